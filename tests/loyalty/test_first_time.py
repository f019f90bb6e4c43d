"""First-time rules of SPEC §3: decided at close, only a void reverses them."""

from decimal import Decimal

import pytest

from catalog.models import ItemKind
from clients.models import ClientSource
from loyalty.actions import Action
from loyalty.earning.reconcile import ticket_points_reconcile
from loyalty.models import PointsEntry
from loyalty.rewards_box import client_points_balance
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import closed_ticket, rule_set, ticket_void

pytestmark = pytest.mark.django_db

SERVICE = ItemKind.SERVICE


def points(client, action):
    return sum(
        PointsEntry.objects.filter(client=client, action=action).values_list("points", flat=True)
    )


def test_first_visit_once_per_client_on_first_ticket_with_a_paid_service(customer):
    rule_set(Action.FIRST_VISIT, points=100)
    closed_ticket(customer=customer, lines=[(ItemKind.PRODUCT, Decimal("10.00"))])
    assert points(customer, Action.FIRST_VISIT) == 0
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    assert points(customer, Action.FIRST_VISIT) == 100


def test_first_visit_voided_lets_the_next_qualifying_ticket_earn_it(customer):
    rule_set(Action.FIRST_VISIT, points=100)
    first = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    ticket_void(first)
    assert points(customer, Action.FIRST_VISIT) == 0
    second = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    assert points(customer, Action.FIRST_VISIT) == 100
    assert PointsEntry.objects.filter(ticket=second, action=Action.FIRST_VISIT).exists()


def test_online_signup_once_for_online_or_app_clients(db):
    rule_set(Action.ONLINE_SIGNUP, points=40)
    web = ClientFactory(source=ClientSource.ONLINE)
    app = ClientFactory(source=ClientSource.APP)
    desk = ClientFactory(source=ClientSource.FRONT_DESK)
    for client in (web, app, desk, web):
        closed_ticket(customer=client, lines=[(ItemKind.PRODUCT, Decimal("5.00"))])
    assert [points(c, Action.ONLINE_SIGNUP) for c in (web, app, desk)] == [40, 40, 0]


def test_client_referral_pays_the_referrer_on_the_referred_clients_first_ticket(referred, referrer):
    rule_set(Action.CLIENT_REFERRAL, points=500)
    closed_ticket(customer=referred, lines=[(ItemKind.PRODUCT, Decimal("5.00"))])
    closed_ticket(customer=referred, lines=[(ItemKind.PRODUCT, Decimal("5.00"))])
    assert points(referrer, Action.CLIENT_REFERRAL) == 500
    assert points(referred, Action.CLIENT_REFERRAL) == 0


def test_client_referral_never_paid_for_a_client_who_already_had_closed_tickets(referrer):
    rule_set(Action.CLIENT_REFERRAL, points=500)
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"), referrer_points=1)
    existing = ClientFactory()
    closed_ticket(customer=existing, lines=[(SERVICE, Decimal("5.00"))])
    type(existing).objects.filter(pk=existing.pk).update(referred_by=referrer)
    existing.refresh_from_db()
    closed_ticket(customer=existing, lines=[(SERVICE, Decimal("7.00"))])
    assert points(referrer, Action.CLIENT_REFERRAL) == 0
    assert points(referrer, Action.SERVICE_PURCHASE) == 7  # R6 still applies


def test_referred_membership_and_package_purchases_pay_the_referrer_once(referred, referrer):
    rule_set(Action.REFERRED_MEMBERSHIP_PURCHASE, points=300)
    rule_set(Action.REFERRED_PACKAGE_PURCHASE, points=200)
    closed_ticket(customer=referred, lines=[(ItemKind.DAY_PACKAGE, Decimal("50.00"))])
    assert points(referrer, Action.REFERRED_PACKAGE_PURCHASE) == 0  # series/custom only
    for _ in range(2):
        closed_ticket(
            customer=referred,
            lines=[
                (ItemKind.MEMBERSHIP, Decimal("50.00")),
                (ItemKind.SERIES_PACKAGE, Decimal("50.00")),
            ],
        )
    assert points(referrer, Action.REFERRED_MEMBERSHIP_PURCHASE) == 300
    assert points(referrer, Action.REFERRED_PACKAGE_PURCHASE) == 200


def test_voiding_the_referred_first_purchase_lets_the_next_one_pay(referred, referrer):
    rule_set(Action.REFERRED_MEMBERSHIP_PURCHASE, points=300)
    first = closed_ticket(customer=referred, lines=[(ItemKind.MEMBERSHIP, Decimal("50.00"))])
    ticket_void(first)
    assert client_points_balance(client=referrer).total == 0
    closed_ticket(customer=referred, lines=[(ItemKind.MEMBERSHIP, Decimal("50.00"))])
    assert points(referrer, Action.REFERRED_MEMBERSHIP_PURCHASE) == 300


def test_first_time_award_decided_at_close_is_not_moved_by_a_later_void_of_another(customer):
    """A ticket that didn't qualify at close never earns later (decided at close)."""
    rule_set(Action.FIRST_VISIT, points=100)
    first = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    second = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    ticket_void(first)

    ticket_points_reconcile(ticket=second)
    assert points(customer, Action.FIRST_VISIT) == 0
