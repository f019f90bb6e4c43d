"""The balance row keeps its client's lot figures (next expiry date, its points, debt) with
every lot the ledger writes, so the balance read takes them from the row (P2, R18, R54).
The salon's zone is America/New_York."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import ItemKind
from clients.merge import client_merge
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.expiry import points_expire_due
from loyalty.models import LoyaltySettings, PointsBalance
from loyalty.redemption import points_redeem
from loyalty.rewards_box import Balance, NextExpiry, client_points_balance, client_rewards_summary
from loyalty.selectors import lot_figures_disagreements, loyalty_settings_get
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import closed_ticket, rule_set, ticket_void
from tickets.lifecycle import ticket_open
from tickets.lines import ticket_add_line

pytestmark = pytest.mark.django_db

SALON = ZoneInfo("America/New_York")
SERVICE = ItemKind.SERVICE


def local(year, month, day, hour=12):
    return datetime(year, month, day, hour, tzinfo=SALON)


@pytest.fixture(autouse=True)
def ninety_days_two_per_dollar(db):
    loyalty_settings_get()
    LoyaltySettings.objects.filter(pk=1).update(expiry_days=90, min_redemption_dollars=1)
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))


def stored(client):
    """(next expiry date, its points, debt) as the balance row keeps them."""
    return PointsBalance.objects.values_list("next_expiry_on", "next_expiry_points", "debt").get(
        client=client
    )


def open_ticket_for(customer, price):
    ticket = ticket_open(client=customer)
    ticket_add_line(ticket=ticket, item=ItemFactory(kind=SERVICE, price=Decimal(price)))
    return ticket


def test_p2_every_lot_write_keeps_the_row_figures(customer, manager, front_desk, time_machine):
    time_machine.move_to(local(2026, 3, 1), tick=False)
    first = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])  # to 30 May
    assert stored(customer) == (date(2026, 5, 30), 200, 0)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])  # the same date
    assert stored(customer) == (date(2026, 5, 30), 220, 0)
    time_machine.move_to(local(2026, 3, 2), tick=False)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("50.00"))])  # later: unchanged
    assert stored(customer) == (date(2026, 5, 30), 220, 0)
    points_adjust(
        client=customer, points=30, reason="x", user=manager, expires_on=date(2026, 4, 1)
    )  # earlier: the new next expiry
    points_adjust(client=customer, points=40, reason="x", user=manager, never_expires=True)
    assert stored(customer) == (date(2026, 4, 1), 30, 0)

    time_machine.move_to(local(2026, 3, 5), tick=False)
    # 30 (1 April) + 100 of the 220 (30 May), first-expiring first (R52).
    points_redeem(ticket=open_ticket_for(customer, "200.00"), points=130, user=front_desk)
    assert stored(customer) == (date(2026, 5, 30), 120, 0)

    time_machine.move_to(local(2026, 3, 6), tick=False)
    # The void takes back its 200: the 100 its lot still holds, then 30 May's other 20 and
    # 80 of 31 May's 100, first-expiring first (R52).
    ticket_void(first)
    assert stored(customer) == (date(2026, 5, 31), 20, 0)
    points_adjust(client=customer, points=-200, reason="y", user=manager)
    # 31 May's 20 and the never-expiring 40 drawn; 140 owed (R15).
    assert stored(customer) == (None, 0, 140)
    assert client_points_balance(client=customer) == Balance(pending=0, redeemable=-140)

    time_machine.move_to(local(2026, 3, 7), tick=False)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])  # 200, to 5 June
    assert stored(customer) == (date(2026, 6, 5), 200, 140)
    time_machine.move_to(local(2026, 3, 8, 13), tick=False)
    assert client_rewards_summary(client=customer).next_expiry == NextExpiry(
        points=60, on=date(2026, 6, 5)
    )
    call_command("expire_points")  # settles the debt from the 5 June lot
    assert stored(customer) == (date(2026, 6, 5), 60, 0)
    assert lot_figures_disagreements() == []
    call_command("ledger_check")


def test_p2_a_merge_and_the_expiry_run_keep_the_row_figures(manager, time_machine):
    survivor, duplicate = ClientFactory(), ClientFactory()
    time_machine.move_to(local(2026, 3, 3), tick=False)
    closed_ticket(customer=duplicate, lines=[(SERVICE, Decimal("100.00"))])  # 1 June
    points_adjust(
        client=duplicate, points=50, reason="x", user=manager, expires_on=date(2026, 3, 31)
    )
    closed_ticket(customer=survivor, lines=[(SERVICE, Decimal("10.00"))])  # 1 June
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert stored(duplicate) == (None, 0, 0)
    assert stored(survivor) == (date(2026, 3, 31), 50, 0)

    time_machine.move_to(local(2026, 4, 1), tick=False)
    assert points_expire_due() == 1
    assert stored(survivor) == (date(2026, 6, 1), 220, 0)
    assert lot_figures_disagreements() == []


def test_p2_balance_read_is_one_query_and_reads_the_lots_only_past_a_date(
    customer, manager, time_machine
):
    """A stored next expiry already past means lots wait for the daily run: their points are
    not redeemable (R54), and the date to come is read from the lots, in the same query."""
    time_machine.move_to(local(2026, 3, 1), tick=False)
    points_adjust(
        client=customer, points=30, reason="x", user=manager, expires_on=date(2026, 3, 10)
    )
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])  # 30 May
    time_machine.move_to(local(2026, 3, 10, 23), tick=False)
    with CaptureQueriesContext(connection) as captured:
        assert client_points_balance(client=customer) == Balance(pending=0, redeemable=230)
    assert len(captured) == 1

    time_machine.move_to(local(2026, 3, 11, 0), tick=False)
    with CaptureQueriesContext(connection) as captured:
        summary = client_rewards_summary(client=customer)
    assert len(captured) == 1
    assert summary.redeemable_points == 200
    assert summary.next_expiry == NextExpiry(points=200, on=date(2026, 5, 30))

    assert points_expire_due() == 1
    with CaptureQueriesContext(connection) as captured:
        assert client_points_balance(client=customer) == Balance(pending=0, redeemable=200)
    assert len(captured) == 1


def test_p1_the_past_date_read_answers_the_same_with_a_generic_plan(
    customer, manager, time_machine
):
    """The rewards read is prepared on PostgreSQL (loyalty/sql/rewards.py): once PostgreSQL
    plans it blind to the client and the dates, it still counts only the lots past their date
    and finds the next date to come (R54), day after day."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_generic_plan")
    time_machine.move_to(local(2026, 3, 1), tick=False)
    for points, expires_on in [(30, date(2026, 3, 10)), (20, date(2026, 3, 12))]:
        points_adjust(
            client=customer, points=points, reason="x", user=manager, expires_on=expires_on
        )
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])  # 30 May
    ClientFactory()  # another client's lots never count
    expected = {
        11: (220, NextExpiry(points=20, on=date(2026, 3, 12))),
        12: (220, NextExpiry(points=20, on=date(2026, 3, 12))),
        13: (200, NextExpiry(points=200, on=date(2026, 5, 30))),
    }
    for _ in range(3):  # PostgreSQL's plan choice changes after five runs
        for day, (redeemable, next_expiry) in expected.items():
            time_machine.move_to(local(2026, 3, day), tick=False)
            summary = client_rewards_summary(client=customer)
            assert (summary.redeemable_points, summary.next_expiry) == (redeemable, next_expiry)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("RESET plan_cache_mode")


def test_ledger_check_names_a_row_whose_lot_figures_are_skewed(manager, capsys, time_machine):
    time_machine.move_to(local(2026, 3, 1), tick=False)
    good, skewed = ClientFactory(), ClientFactory()
    for client in (good, skewed):
        points_adjust(
            client=client, points=300, reason="x", user=manager, expires_on=date(2026, 4, 1)
        )
    PointsBalance.objects.filter(client=skewed).update(next_expiry_points=299, debt=5)
    with pytest.raises(CommandError, match="1 disagreement"):
        call_command("ledger_check")
    errors = capsys.readouterr().err
    assert (
        f"Client #{skewed.pk}: balance row keeps next expiry 2026-04-01 (299 points) and "
        "debt 5, but the lots say 2026-04-01 (300 points) and debt 0." in errors
    )
    assert f"Client #{good.pk}:" not in errors
