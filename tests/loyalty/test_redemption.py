"""Redemption at payment (R19-R23, R34), through the real tickets services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import ItemKind
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.earning.reconcile import ticket_points_reconcile
from loyalty.models import EntryKind, LoyaltySettings, PointsEntry
from loyalty.redemption import points_redeem
from loyalty.rewards_box import Balance, client_points_balance, client_rewards_summary
from salon.errors import DomainError, PermissionRefused
from salon.models import Features
from tests.accounts.factories import UserFactory
from tests.catalog.factories import ItemFactory
from tests.loyalty.factories import rule_set
from tickets.lifecycle import ticket_close, ticket_open, ticket_void
from tickets.lines import ticket_add_line
from tickets.models import Payment
from tickets.payments import payment_add, payment_remove

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_customer(customer, manager):
    points_adjust(client=customer, points=1000, reason="Welcome gift", user=manager)
    return customer


@pytest.fixture
def open_ticket(rich_customer):
    ticket = ticket_open(client=rich_customer)
    ticket_add_line(ticket=ticket, item=ItemFactory(kind=ItemKind.SERVICE, price=Decimal("100.00")))
    return ticket


def balance_of(client):
    return client_points_balance(client=client)


def test_r19_5_dollar_minimum_is_500_points(customer, manager, front_desk):
    """SPEC worked example: the default $5 minimum means 500 redeemable points."""
    points_adjust(client=customer, points=499, reason="test", user=manager)
    ticket = ticket_open(client=customer)
    ticket_add_line(ticket=ticket, item=ItemFactory(price=Decimal("100.00")))
    assert client_rewards_summary(client=customer).min_redemption_points == 500
    assert not client_rewards_summary(client=customer).can_redeem
    with pytest.raises(DomainError) as refused:
        points_redeem(ticket=ticket, points=100, user=front_desk)
    assert refused.value.code == "below_min_redemption"
    points_adjust(client=customer, points=1, reason="test", user=manager)
    assert client_rewards_summary(client=customer).can_redeem
    payment = points_redeem(ticket=ticket, points=100, user=front_desk)
    assert (payment.method, payment.amount, payment.points) == ("points", Decimal("1.00"), 100)


def test_r19_minimum_zero_pauses_redemption(open_ticket, front_desk):
    LoyaltySettings.objects.filter(pk=1).update(min_redemption_dollars=0)
    with pytest.raises(DomainError) as refused:
        points_redeem(ticket=open_ticket, points=100, user=front_desk)
    assert refused.value.code == "redemption_paused"
    assert not client_rewards_summary(client=open_ticket.client).can_redeem
    assert Payment.objects.count() == 0


def test_r20_r22_redeeming_debits_at_once_and_adds_a_points_payment(open_ticket, front_desk):
    payment = points_redeem(ticket=open_ticket, points=250, user=front_desk)
    assert balance_of(open_ticket.client) == Balance(pending=0, redeemable=750)
    entry = PointsEntry.objects.get(kind=EntryKind.REDEEM)
    assert (entry.points, entry.payment_id, entry.ticket, entry.created_by) == (
        -250,
        payment.pk,
        open_ticket,
        front_desk,
    )
    assert entry.available_at == entry.created_at


@pytest.mark.parametrize("points", [0, -5, Decimal("1.5"), "abc", "", None, True, 1.5])
def test_r20_points_must_be_a_whole_number_of_at_least_1(open_ticket, front_desk, points):
    with pytest.raises(DomainError) as refused:
        points_redeem(ticket=open_ticket, points=points, user=front_desk)
    assert refused.value.field == "points"
    assert Payment.objects.count() == 0
    assert balance_of(open_ticket.client).redeemable == 1000


def test_r20_more_than_redeemable_is_refused(open_ticket, front_desk):
    with pytest.raises(DomainError) as refused:
        points_redeem(ticket=open_ticket, points=1001, user=front_desk)
    assert refused.value.code == "exceeds_redeemable"
    assert Payment.objects.count() == 0


def test_r20_pending_points_cannot_be_redeemed(customer, front_desk, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    rule_set(Action.SERVICE_PURCHASE, points=10, spend_unit=Decimal("1.00"))
    first = ticket_open(client=customer)
    ticket_add_line(ticket=first, item=ItemFactory(price=Decimal("100.00")))
    payment_add(ticket=first, method="cash", amount=Decimal("100.00"))
    ticket_close(ticket=first)
    second = ticket_open(client=customer)
    ticket_add_line(ticket=second, item=ItemFactory(price=Decimal("100.00")))
    with pytest.raises(DomainError):
        points_redeem(ticket=second, points=600, user=front_desk)
    time_machine.shift(timedelta(hours=24))
    points_redeem(ticket=second, points=600, user=front_desk)
    assert balance_of(customer) == Balance(pending=0, redeemable=400)


def test_r21_walk_in_and_closed_tickets_are_refused(open_ticket, front_desk):
    walk_in = ticket_open()
    ticket_add_line(ticket=walk_in, item=ItemFactory(price=Decimal("100.00")))
    with pytest.raises(DomainError) as refused:
        points_redeem(ticket=walk_in, points=100, user=front_desk)
    assert refused.value.code == "walk_in_ticket"
    payment_add(ticket=open_ticket, method="cash", amount=Decimal("100.00"))
    ticket_close(ticket=open_ticket)
    with pytest.raises(DomainError) as refused:
        points_redeem(ticket=open_ticket, points=100, user=front_desk)
    assert refused.value.code == "ticket_not_open"
    assert PointsEntry.objects.filter(kind=EntryKind.REDEEM).count() == 0


def test_r21_points_must_stay_strictly_below_the_total_and_nothing_changes(
    customer, manager, front_desk
):
    points_adjust(client=customer, points=20000, reason="test", user=manager)
    ticket = ticket_open(client=customer)
    ticket_add_line(ticket=ticket, item=ItemFactory(price=Decimal("100.00")))
    with pytest.raises(DomainError):
        points_redeem(ticket=ticket, points=10000, user=front_desk)
    assert balance_of(customer).redeemable == 20000
    assert not PointsEntry.objects.filter(kind=EntryKind.REDEEM).exists()
    points_redeem(ticket=ticket, points=9999, user=front_desk)
    assert balance_of(customer).redeemable == 10001


def test_r22_removing_the_points_payment_gives_the_points_back_once(open_ticket, front_desk):
    payment = points_redeem(ticket=open_ticket, points=300, user=front_desk)
    payment_remove(payment=payment)
    assert balance_of(open_ticket.client) == Balance(pending=0, redeemable=1000)
    reversal = PointsEntry.objects.get(kind=EntryKind.REDEEM_REVERSAL)
    assert (reversal.points, reversal.payment_id) == (300, payment.pk)

    ticket_points_reconcile(ticket=open_ticket)  # R13
    assert PointsEntry.objects.filter(kind=EntryKind.REDEEM_REVERSAL).count() == 1


def test_r22_voiding_the_open_ticket_gives_the_points_back(open_ticket, front_desk):
    points_redeem(ticket=open_ticket, points=300, user=front_desk)
    points_redeem(ticket=open_ticket, points=200, user=front_desk)
    ticket_void(ticket=open_ticket, user=front_desk)
    assert balance_of(open_ticket.client) == Balance(pending=0, redeemable=1000)


def test_r16_voiding_a_closed_ticket_gives_back_points_that_paid_for_it(
    open_ticket, front_desk, manager
):
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    points_redeem(ticket=open_ticket, points=500, user=front_desk)
    payment_add(ticket=open_ticket, method="cash", amount=Decimal("95.00"))
    ticket_close(ticket=open_ticket)
    assert balance_of(open_ticket.client) == Balance(pending=100, redeemable=500)  # R10
    ticket_void(ticket=open_ticket, user=manager, reason="Refund")
    assert balance_of(open_ticket.client) == Balance(pending=0, redeemable=1000)


def test_r34_no_redemption_without_the_rewards_feature(open_ticket, front_desk):
    Features.objects.filter(pk=1).update(rewards_referrals=False)
    with pytest.raises(DomainError) as refused:
        points_redeem(ticket=open_ticket, points=100, user=front_desk)
    assert refused.value.code == "rewards_off"
    summary = client_rewards_summary(client=open_ticket.client)
    assert (summary.redeemable_points, summary.can_redeem) == (1000, False)


def test_redeem_needs_the_redeem_permission(open_ticket):

    with pytest.raises(PermissionRefused):
        points_redeem(ticket=open_ticket, points=100, user=UserFactory())


def test_negative_redeemable_balance_is_shown_and_nothing_can_be_redeemed(
    customer, manager, front_desk
):
    """R15: after a downward adjustment redeemable can be negative."""
    points_adjust(client=customer, points=-300, reason="Fraud", user=manager)
    summary = client_rewards_summary(client=customer)
    assert (summary.redeemable_points, summary.redeemable_value, summary.can_redeem) == (
        -300,
        Decimal("-3.00"),
        False,
    )
