"""Points over time: lots, first-expiring-first draws, take-backs, give-backs, merges and the
expiry run (R51-R54), with the dates written out. The salon's zone is America/New_York."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from catalog.models import ItemKind
from clients.merge import client_merge
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.configuration import loyalty_settings_update
from loyalty.expiry import points_expire_due
from loyalty.models import (
    Allocation,
    EntryKind,
    LoyaltySettings,
    PointsBalance,
    PointsEntry,
    PointsLot,
)
from loyalty.redemption import points_redeem
from loyalty.rewards_box import Balance, NextExpiry, client_points_balance, client_rewards_summary
from loyalty.selectors import loyalty_settings_get
from salon.errors import DomainError
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import closed_ticket, rule_set, ticket_void
from tickets.lifecycle import ticket_open
from tickets.lifecycle import ticket_void as ticket_void_open
from tickets.lines import ticket_add_line

pytestmark = pytest.mark.django_db

SALON = ZoneInfo("America/New_York")
SERVICE = ItemKind.SERVICE


def local(year, month, day, hour=12, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SALON)


def policy(**values):
    loyalty_settings_get()
    LoyaltySettings.objects.filter(pk=1).update(**values)


def balance_of(client):
    return client_points_balance(client=client)


def total_of(client):
    return PointsBalance.objects.get(client=client).total


def lots_of(client):
    """{expires_on: remaining} of the client's lots that still hold points."""
    return {
        lot.expires_on: lot.remaining
        for lot in PointsLot.objects.filter(client=client, remaining__gt=0)
    }


def open_ticket_for(customer, price="100.00"):
    ticket = ticket_open(client=customer)
    ticket_add_line(ticket=ticket, item=ItemFactory(kind=SERVICE, price=Decimal(price)))
    return ticket


def expire_entries():
    return list(PointsEntry.objects.filter(kind=EntryKind.EXPIRE).order_by("id"))


@pytest.fixture
def two_per_dollar(db):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))


@pytest.fixture(autouse=True)
def low_minimum(db):
    policy(min_redemption_dollars=1)


def test_r51_r54_earned_3_march_with_90_days_redeemable_through_1_june_gone_2_june(
    customer, two_per_dollar, time_machine
):
    policy(expiry_days=90)
    time_machine.move_to(local(2026, 3, 3, 15), tick=False)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    assert PointsEntry.objects.get(kind=EntryKind.EARN).expires_on == date(2026, 6, 1)

    time_machine.move_to(local(2026, 6, 1, 23, 59), tick=False)
    assert balance_of(customer) == Balance(pending=0, redeemable=200)
    assert client_rewards_summary(client=customer).next_expiry == NextExpiry(
        points=200, on=date(2026, 6, 1)
    )

    time_machine.move_to(local(2026, 6, 2, 0, 0), tick=False)
    # Gone before the run has posted anything (R54).
    assert balance_of(customer) == Balance(pending=0, redeemable=0)
    assert client_rewards_summary(client=customer).next_expiry is None
    for _ in range(3):
        call_command("expire_points")
    [expired] = expire_entries()
    assert (expired.client, expired.points, expired.available_at) == (
        customer,
        -200,
        expired.created_at,
    )
    assert balance_of(customer) == Balance(pending=0, redeemable=0)
    assert total_of(customer) == 0
    call_command("ledger_check")


def test_r52_redemption_draws_first_expiring_first_across_three_lots(
    customer, manager, front_desk, time_machine
):
    time_machine.move_to(local(2026, 3, 1), tick=False)
    june = points_adjust(
        client=customer, points=100, reason="a", user=manager, expires_on=date(2026, 6, 30)
    )
    never = points_adjust(client=customer, points=100, reason="b", user=manager)
    may_first = points_adjust(
        client=customer, points=100, reason="c", user=manager, expires_on=date(2026, 5, 31)
    )
    time_machine.move_to(local(2026, 3, 2), tick=False)
    may_second = points_adjust(
        client=customer, points=100, reason="d", user=manager, expires_on=date(2026, 5, 31)
    )
    assert never.expires_on is None  # the policy is "never" by default (R51)

    time_machine.move_to(local(2026, 3, 10), tick=False)
    payment = points_redeem(ticket=open_ticket_for(customer), points=250, user=front_desk)
    redeem = PointsEntry.objects.get(payment_id=payment.pk)
    drawn = list(Allocation.objects.filter(debit=redeem).values_list("lot_id", "points"))
    assert sorted(drawn) == sorted([(may_first.pk, 100), (may_second.pk, 100), (june.pk, 50)])
    assert lots_of(customer) == {date(2026, 6, 30): 50, None: 100}
    assert client_rewards_summary(client=customer).next_expiry == NextExpiry(
        points=50, on=date(2026, 6, 30)
    )

    # A negative manual adjustment draws by the same order; never-expiring points last.
    points_adjust(client=customer, points=-120, reason="correction", user=manager)
    assert lots_of(customer) == {None: 30}
    assert balance_of(customer) == Balance(pending=0, redeemable=30)
    call_command("ledger_check")


def test_r52_void_of_a_ticket_whose_points_expired_takes_nothing_twice(
    customer, two_per_dollar, time_machine
):
    policy(expiry_days=30)
    time_machine.move_to(local(2026, 3, 1), tick=False)
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    time_machine.move_to(local(2026, 4, 1), tick=False)  # the lot's last day was 31 March
    assert points_expire_due() == 1
    assert balance_of(customer) == Balance(pending=0, redeemable=0)

    time_machine.move_to(local(2026, 4, 2), tick=False)
    ticket_void(ticket)
    assert balance_of(customer) == Balance(pending=0, redeemable=0)
    assert total_of(customer) == 0
    take_back = PointsEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    given_back = expire_entries()[-1]
    assert (take_back.points, given_back.points) == (-200, 200)
    assert not PointsLot.objects.filter(remaining__lt=0).exists()  # no debt
    assert points_expire_due() == 0
    call_command("ledger_check")


def test_r52_void_after_the_date_but_before_the_run_takes_the_lot_itself(
    customer, two_per_dollar, time_machine
):
    policy(expiry_days=30)
    time_machine.move_to(local(2026, 3, 1), tick=False)
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    time_machine.move_to(local(2026, 4, 2), tick=False)
    ticket_void(ticket)
    assert balance_of(customer) == Balance(pending=0, redeemable=0)
    assert total_of(customer) == 0
    assert points_expire_due() == 0  # nothing left to expire: taken once, by the void
    call_command("ledger_check")


def test_r52_void_after_spending_leaves_the_exact_negative_balance(
    customer, two_per_dollar, front_desk, time_machine
):
    time_machine.move_to(local(2026, 3, 1), tick=False)
    earned = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    time_machine.move_to(local(2026, 3, 3), tick=False)
    points_redeem(ticket=open_ticket_for(customer, "50.00"), points=150, user=front_desk)
    assert balance_of(customer) == Balance(pending=0, redeemable=50)

    time_machine.move_to(local(2026, 3, 4), tick=False)
    ticket_void(earned)
    assert balance_of(customer) == Balance(pending=0, redeemable=-150)
    [debt] = PointsLot.objects.filter(client=customer, remaining__lt=0)
    assert (debt.points, debt.remaining) == (-150, -150)

    # Later earnings pay it off (R15): 200 more, less the 150 owed.
    time_machine.move_to(local(2026, 3, 5), tick=False)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    time_machine.move_to(local(2026, 3, 6, 13), tick=False)
    assert balance_of(customer) == Balance(pending=0, redeemable=50)
    call_command("expire_points")  # the run settles debts first
    assert lots_of(customer) == {None: 50}
    assert not PointsLot.objects.filter(remaining__lt=0).exists()
    call_command("ledger_check")


def test_r53_a_reversal_after_the_original_date_expires_at_the_next_run(
    customer, manager, front_desk, time_machine
):
    time_machine.move_to(local(2026, 4, 1), tick=False)
    lot = points_adjust(
        client=customer, points=1000, reason="gift", user=manager, expires_on=date(2026, 4, 10)
    )
    time_machine.move_to(local(2026, 4, 5), tick=False)
    ticket = open_ticket_for(customer, "20.00")
    points_redeem(ticket=ticket, points=1000, user=front_desk)
    assert balance_of(customer) == Balance(pending=0, redeemable=0)

    time_machine.move_to(local(2026, 4, 12), tick=False)
    ticket_void_open(ticket=ticket, user=front_desk, reason="walked out")
    # Back in its lot with its own date, 10 April, which has passed: never redeemable.
    assert lots_of(customer) == {date(2026, 4, 10): 1000}
    assert balance_of(customer) == Balance(pending=0, redeemable=0)
    assert total_of(customer) == 1000
    assert points_expire_due() == 1
    [expired] = expire_entries()
    assert (expired.points, expired.idempotency_key) == (-1000, f"expire:{lot.pk}:1")
    assert total_of(customer) == 0
    assert points_expire_due() == 0
    call_command("ledger_check")


def test_r51_a_policy_change_leaves_old_lots(customer, two_per_dollar, manager, time_machine):
    time_machine.move_to(local(2026, 3, 1), tick=False)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])  # no policy: never
    loyalty_settings_update(changes={"expiry_days": 90}, user=manager)
    time_machine.move_to(local(2026, 3, 3), tick=False)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("50.00"))])
    time_machine.move_to(local(2026, 3, 10), tick=False)
    loyalty_settings_update(changes={"expiry_days": 30}, user=manager)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("25.00"))])
    dates = list(
        PointsEntry.objects.filter(kind=EntryKind.EARN)
        .order_by("id")
        .values_list("points", "expires_on")
    )
    assert dates == [(200, None), (100, date(2026, 6, 1)), (50, date(2026, 4, 9))]


def test_r51_expiry_must_outlive_the_hold(manager):
    with pytest.raises(DomainError) as refused:
        loyalty_settings_update(changes={"expiry_days": 1}, user=manager)  # 24 h = the hold
    assert refused.value.code == "expiry_within_hold"
    with pytest.raises(DomainError) as refused:
        loyalty_settings_update(changes={"expiry_days": 2, "hold_hours": 48}, user=manager)
    assert refused.value.code == "expiry_within_hold"
    loyalty_settings_update(changes={"expiry_days": 2, "hold_hours": 47}, user=manager)
    assert (loyalty_settings_get().expiry_days, loyalty_settings_get().hold_hours) == (2, 47)


def test_r51_manual_adjustment_dates(customer, manager, time_machine):
    policy(expiry_days=30)
    time_machine.move_to(local(2026, 3, 1), tick=False)
    by_policy = points_adjust(client=customer, points=10, reason="x", user=manager)
    never = points_adjust(client=customer, points=10, reason="x", user=manager, never_expires=True)
    dated = points_adjust(
        client=customer, points=10, reason="x", user=manager, expires_on=date(2026, 3, 1)
    )
    assert (by_policy.expires_on, never.expires_on, dated.expires_on) == (
        date(2026, 3, 31),
        None,
        date(2026, 3, 1),
    )
    cases = [
        ({"points": 10, "expires_on": date(2026, 2, 28)}, "expiry_date_in_past"),
        ({"points": -10, "never_expires": True}, "expiry_on_deduction"),
        (
            {"points": 10, "never_expires": True, "expires_on": date(2026, 4, 1)},
            "expiry_date_and_never",
        ),
    ]
    for values, code in cases:
        with pytest.raises(DomainError) as refused:
            points_adjust(client=customer, reason="x", user=manager, **values)
        assert refused.value.code == code
    assert PointsEntry.objects.count() == 3


def test_r53_a_merge_moves_each_lot_with_its_date(manager, two_per_dollar, time_machine):
    survivor, duplicate = ClientFactory(), ClientFactory()
    policy(expiry_days=90)
    time_machine.move_to(local(2026, 3, 3), tick=False)
    closed_ticket(customer=duplicate, lines=[(SERVICE, Decimal("100.00"))])  # 1 June
    points_adjust(
        client=duplicate, points=50, reason="x", user=manager, expires_on=date(2026, 3, 31)
    )
    time_machine.move_to(local(2026, 3, 3, 18), tick=False)  # the 200 still pending
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert lots_of(survivor) == {date(2026, 6, 1): 200, date(2026, 3, 31): 50}
    assert lots_of(duplicate) == {}
    assert balance_of(survivor) == Balance(pending=200, redeemable=50)
    assert balance_of(duplicate) == Balance(pending=0, redeemable=0)
    time_machine.move_to(local(2026, 4, 1), tick=False)
    assert points_expire_due() == 1
    assert balance_of(survivor) == Balance(pending=0, redeemable=200)
    call_command("ledger_check")


def test_r54_a_redemption_expires_the_due_lots_first_even_when_refused(
    customer, manager, front_desk, time_machine
):
    time_machine.move_to(local(2026, 3, 1), tick=False)
    points_adjust(
        client=customer, points=300, reason="x", user=manager, expires_on=date(2026, 3, 5)
    )
    points_adjust(client=customer, points=200, reason="y", user=manager)
    time_machine.move_to(local(2026, 3, 6), tick=False)
    ticket = open_ticket_for(customer)
    with pytest.raises(DomainError):
        points_redeem(ticket=ticket, points=400, user=front_desk)  # only 200 are left
    assert [entry.points for entry in expire_entries()] == [-300]
    points_redeem(ticket=ticket, points=200, user=front_desk)
    assert balance_of(customer) == Balance(pending=0, redeemable=0)
    call_command("ledger_check")


def test_r54_next_expiry_counts_only_points_a_debt_leaves(
    customer, two_per_dollar, front_desk, time_machine
):
    """A void after spending leaves a debt (R52); the next earning pays it off as soon as it
    is available (R15), so the rewards box's next expiry names what is left of that lot, not
    the whole lot, even before the run settles the debt (R54)."""
    policy(expiry_days=90)
    time_machine.move_to(local(2026, 3, 1), tick=False)
    earned = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    time_machine.move_to(local(2026, 3, 3), tick=False)
    points_redeem(ticket=open_ticket_for(customer, "50.00"), points=150, user=front_desk)
    time_machine.move_to(local(2026, 3, 4), tick=False)
    ticket_void(earned)
    assert balance_of(customer) == Balance(pending=0, redeemable=-150)

    time_machine.move_to(local(2026, 3, 5), tick=False)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])  # 200, to 3 June
    time_machine.move_to(local(2026, 3, 6, 13), tick=False)
    assert balance_of(customer) == Balance(pending=0, redeemable=50)
    assert client_rewards_summary(client=customer).next_expiry == NextExpiry(
        points=50, on=date(2026, 6, 3)
    )
    call_command("expire_points")  # the run settles the debt: the same figure
    assert client_rewards_summary(client=customer).next_expiry == NextExpiry(
        points=50, on=date(2026, 6, 3)
    )
