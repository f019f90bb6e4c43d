"""Earning on ticket close: spend and per-visit actions (R2-R13, SPEC §3)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from appointments.models import Appointment, ProductReservation
from catalog.models import ItemKind
from clients.models import ClientSource
from loyalty.actions import Action, Beneficiary
from loyalty.earning.reconcile import ticket_points_reconcile
from loyalty.models import EntryKind, LoyaltySettings, PointsEntry
from loyalty.rewards_box import Balance, client_points_balance
from salon.models import Features
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import closed_ticket, rule_set, ticket_close, ticket_with_lines

pytestmark = pytest.mark.django_db

SERVICE = ItemKind.SERVICE


def balance_of(client):
    return client_points_balance(client=client)


def test_haircut_100_at_2_per_dollar_is_200_pending_then_redeemable(customer, time_machine):
    """SPEC R4 worked example, R15 hold: 200 pending for 24 h, then redeemable."""
    time_machine.move_to(timezone.now(), tick=False)
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    assert balance_of(customer) == Balance(pending=200, redeemable=0)
    time_machine.shift(timedelta(hours=23, minutes=59))
    assert balance_of(customer) == Balance(pending=200, redeemable=0)
    time_machine.shift(timedelta(minutes=1))
    assert balance_of(customer) == Balance(pending=0, redeemable=200)


def test_day_package_100_at_20_per_100_gives_client_20_and_referrer_5(referred, referrer):
    """SPEC R4 worked example and R6: referrer points use the same spend_unit."""
    rule_set(
        Action.DAY_PACKAGE_PURCHASE, points=20, spend_unit=Decimal("100.00"), referrer_points=5
    )
    ticket = closed_ticket(customer=referred, lines=[(ItemKind.DAY_PACKAGE, Decimal("100.00"))])
    assert balance_of(referred).pending == 20
    assert balance_of(referrer).pending == 5
    entry = PointsEntry.objects.get(client=referrer)
    assert (entry.kind, entry.action, entry.beneficiary, entry.ticket) == (
        EntryKind.REFERRAL_EARN,
        Action.DAY_PACKAGE_PURCHASE,
        Beneficiary.REFERRER,
        ticket,
    )


def test_r2_r3_points_are_whole_and_rounded_down_on_the_summed_amount(customer):
    """R3: floor(sum of the ticket's eligible amounts x points / spend_unit), per action."""
    rule_set(Action.SERVICE_PURCHASE, points=3, spend_unit=Decimal("10.00"))
    closed_ticket(
        customer=customer,
        lines=[(SERVICE, Decimal("9.99")), (SERVICE, Decimal("9.99")), (SERVICE, Decimal("5.00"))],
    )
    # 24.98 x 3 / 10 = 7.494 -> 7 (per line it would have been 2 + 2 + 1 = 5)
    assert balance_of(customer).pending == 7
    assert isinstance(balance_of(customer).pending, int)


def test_r29_each_kind_earns_under_its_own_spend_action(customer):
    """R29 -> R4: each line earns under the spend action of its item kind."""
    for points, action in enumerate(
        [
            Action.SERVICE_PURCHASE,
            Action.PRODUCT_PURCHASE,
            Action.DAY_PACKAGE_PURCHASE,
            Action.SERIES_PACKAGE_PURCHASE,
            Action.MEMBERSHIP_PURCHASE,
            Action.GIFT_CARD_PURCHASE,
        ],
        start=1,
    ):
        rule_set(action, points=points, spend_unit=Decimal("1.00"))
    closed_ticket(
        customer=customer,
        lines=[(kind, Decimal("10.00")) for kind in ItemKind.values],
    )
    earned = dict(PointsEntry.objects.filter(client=customer).values_list("action", "points"))
    assert earned == {
        "service_purchase": 10,
        "product_purchase": 20,
        "day_package_purchase": 30,
        "series_package_purchase": 40,
        "membership_purchase": 50,
        "gift_card_purchase": 60,
    }


def test_r5_per_visit_points_are_per_instance(customer):
    """R5: first_visit pays its points once, whatever the amount."""
    rule_set(Action.FIRST_VISIT, points=50)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("500.00"))])
    assert balance_of(customer).pending == 50


def test_r6_referrer_keeps_earning_on_later_tickets_while_both_exist(referred, referrer):
    """R6: every later qualifying action of the referred client pays the referrer."""
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"), referrer_points=1)
    closed_ticket(customer=referred, lines=[(SERVICE, Decimal("10.00"))])
    closed_ticket(customer=referred, lines=[(SERVICE, Decimal("15.00"))])
    assert balance_of(referrer).pending == 25


def test_r6_a_tombstone_referrer_earns_nothing(referred, referrer):
    """R6: only while both clients exist; a merged-away referrer is a tombstone."""
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"), referrer_points=1)
    survivor = ClientFactory()
    type(referrer).objects.filter(pk=referrer.pk).update(merged_into=survivor)
    referred.refresh_from_db()
    closed_ticket(customer=referred, lines=[(SERVICE, Decimal("10.00"))])
    assert balance_of(referred).pending == 10
    assert not PointsEntry.objects.filter(beneficiary=Beneficiary.REFERRER).exists()


def test_r7_open_tickets_earn_nothing_until_they_close(customer):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    ticket = ticket_with_lines(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    ticket_points_reconcile(ticket=ticket)
    assert balance_of(customer) == Balance(0, 0)
    ticket_close(ticket)
    assert balance_of(customer).pending == 200


def test_r8_points_are_computed_on_the_discounted_amount(customer):
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    ticket = ticket_with_lines(customer=customer)
    ticket.lines.create(
        item=ItemFactory(kind=SERVICE),
        unit_price=Decimal("100.00"),
        discount_percent=Decimal("25.00"),
        net_amount=Decimal("75.00"),
    )
    ticket_close(ticket)
    assert balance_of(customer).pending == 75


def test_r9_package_redemption_lines_earn_no_service_points(customer):
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    rule_set(Action.FIRST_VISIT, points=100)
    closed_ticket(
        customer=customer,
        lines=[(SERVICE, Decimal("80.00"), True), (ItemKind.PRODUCT, Decimal("20.00"))],
    )
    # the redeemed service line is neither spend nor a "paid service line" for first_visit
    assert balance_of(customer).pending == 0


def test_r10_points_payments_do_not_reduce_what_lines_earn(customer):
    """R10: a points payment is a payment, not a discount."""
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    ticket = ticket_with_lines(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    ticket.payments.create(method="points", amount=Decimal("30.00"), points=3000)
    ticket.payments.create(method="gift_card", amount=Decimal("70.00"))
    ticket_close(ticket)
    assert balance_of(customer).pending == 100


def test_r11_walk_ins_earn_nothing(db):
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    closed_ticket(customer=None, lines=[(SERVICE, Decimal("100.00"))])
    assert PointsEntry.objects.count() == 0


def test_r11_inactive_rules_earn_nothing(customer):
    rule_set(Action.SERVICE_PURCHASE, points=5, spend_unit=Decimal("1.00"), active=False)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    assert balance_of(customer) == Balance(0, 0)


def test_r11_rules_in_force_at_close_govern_the_ticket_for_ever(customer):
    """R11/R16: a later rule change never re-prices a closed ticket."""
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    rule_set(Action.SERVICE_PURCHASE, points=10, spend_unit=Decimal("1.00"))
    ticket_points_reconcile(ticket=ticket)
    assert balance_of(customer).pending == 200


def test_r12_prebooked_and_online_appointment_both_earn_with_referrer_points(referred, referrer):
    """R12: an appointment booked online and prebooked earns both actions (+ R6 referrer)."""
    rule_set(Action.PREBOOKED_APPOINTMENT, points=30, referrer_points=3)
    rule_set(Action.ONLINE_BOOKING, points=20, referrer_points=2)
    item = ItemFactory(kind=SERVICE)
    appointment = Appointment.objects.create(
        client=referred, item=item, start=timezone.now(), source=ClientSource.APP
    )
    Appointment.objects.filter(pk=appointment.pk).update(prebooked=True)
    appointment.refresh_from_db()
    closed_ticket(customer=referred, lines=[(item, Decimal("0.00"))], appointment=appointment)
    assert balance_of(referred).pending == 50
    assert balance_of(referrer).pending == 5
    assert set(
        PointsEntry.objects.filter(client=referred).values_list("action", "appointment")
    ) == {("prebooked_appointment", appointment.pk), ("online_booking", appointment.pk)}


def test_front_desk_appointment_not_prebooked_earns_no_visit_points(customer):
    rule_set(Action.PREBOOKED_APPOINTMENT, points=30)
    rule_set(Action.ONLINE_BOOKING, points=20)
    item = ItemFactory(kind=SERVICE)
    appointment = Appointment.objects.create(client=customer, item=item, start=timezone.now())
    closed_ticket(customer=customer, lines=[(item, Decimal("10.00"))], appointment=appointment)
    assert balance_of(customer).pending == 0


def test_product_reservation_earns_when_the_ticket_contains_the_reserved_product(customer):
    rule_set(Action.PRODUCT_RESERVATION, points=15)
    product = ItemFactory(kind=ItemKind.PRODUCT)
    reservation = ProductReservation.objects.create(client=customer, item=product)
    closed_ticket(customer=customer, lines=[(product, Decimal("20.00"))], reservation=reservation)
    assert balance_of(customer).pending == 15


def test_product_reservation_without_the_reserved_product_earns_nothing(customer):
    rule_set(Action.PRODUCT_RESERVATION, points=15)
    reservation = ProductReservation.objects.create(
        client=customer, item=ItemFactory(kind=ItemKind.PRODUCT)
    )
    closed_ticket(
        customer=customer, lines=[(ItemKind.PRODUCT, Decimal("20.00"))], reservation=reservation
    )
    assert balance_of(customer).pending == 0


def test_r13_the_close_signal_sent_twice_awards_once(customer):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    rule_set(Action.FIRST_VISIT, points=10)
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    ticket_close(ticket)
    ticket_points_reconcile(ticket=ticket)
    assert balance_of(customer).pending == 210
    assert PointsEntry.objects.count() == 2


def test_r34_without_rewards_feature_nothing_is_earned(customer):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    Features.objects.filter(pk=1).update(rewards_referrals=False)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    assert balance_of(customer) == Balance(0, 0)


def test_hold_hours_setting_sets_available_at(customer):
    """R15: the hold is a setting (default 24)."""

    LoyaltySettings.objects.filter(pk=1).update(hold_hours=48)
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    now = timezone.now()
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))], now=now)
    entry = PointsEntry.objects.get()
    assert entry.created_at == now
    assert entry.available_at == now + timedelta(hours=48)
