"""The stored qualifying spend (R61, issue 18): every writer of what it sums keeps each
client's day row in its own transaction, and the window read is exactly R61's instant
(`closed_at > now - window_days`), its first day read from the lines."""

import importlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection

from catalog.models import ItemKind
from catalog.services import item_update
from clients.merge import client_merge
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.concurrency import run_together
from tickets.lifecycle import ticket_close, ticket_open, ticket_void
from tickets.lines import ticket_add_line, ticket_remove_line, ticket_update_line
from tickets.models import DailySpend
from tickets.payments import payment_add
from tickets.selectors import ticket_amounts
from tickets.spend import client_qualifying_spend_since, daily_spend_disagreements

from .factories import paid_ticket, service_item

pytestmark = pytest.mark.django_db

MARCH_5 = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)


def days(client) -> dict:
    return {
        str(row.day): row.amount
        for row in DailySpend.objects.filter(client=client).exclude(amount=0).order_by("day")
    }


def close_at(ticket, moment):
    return ticket_close(ticket=ticket, now=moment)


def sale(client, *prices: str, gift_card: str | None = None):
    """An open, paid ticket: one service line per price and optionally a gift card."""
    ticket = ticket_open(client=client)
    for price in prices:
        ticket_add_line(ticket=ticket, item=service_item(price))
    if gift_card is not None:
        card = ItemFactory(kind=ItemKind.GIFT_CARD, price=Decimal(gift_card))
        ticket_add_line(ticket=ticket, item=card)
    payment_add(ticket=ticket, method="cash", amount=ticket_amounts(ticket=ticket).total)
    return ticket


def test_a_close_adds_the_ticket_to_its_clients_day_once():
    """$100 of service and a $50 gift card: $100 counts (R61); a second close of the same
    ticket is a no-op (R31), a second ticket that day adds, the next UTC day is its own
    row, and a walk-in's ticket counts for nobody."""
    client = ClientFactory()
    ticket = close_at(sale(client, "100.00", gift_card="50.00"), MARCH_5)
    assert days(client) == {"2026-03-05": Decimal("100.00")}
    close_at(ticket, MARCH_5 + timedelta(hours=1))
    assert days(client) == {"2026-03-05": Decimal("100.00")}
    close_at(paid_ticket("60.00", client=client), MARCH_5 + timedelta(hours=8, minutes=59))
    close_at(paid_ticket("25.00", client=client), MARCH_5 + timedelta(hours=9))  # 00:00 UTC
    assert days(client) == {"2026-03-05": Decimal("160.00"), "2026-03-06": Decimal("25.00")}
    walk_in = ticket_open()
    ticket_add_line(ticket=walk_in, item=service_item("40.00"))
    payment_add(ticket=walk_in, method="cash", amount=Decimal("40.00"))
    close_at(walk_in, MARCH_5)
    assert DailySpend.objects.exclude(client=client).count() == 0
    assert daily_spend_disagreements() == []


def test_adjusting_a_closed_tickets_lines_moves_its_day(manager):
    """R16: $100 + $40 closed; the $100 line corrected to $70, then the $40 line removed:
    the day holds $110, then $70; lines of another day are untouched."""
    client = ClientFactory()
    close_at(paid_ticket("30.00", client=client), MARCH_5 - timedelta(days=1))
    ticket = close_at(paid_ticket("100.00", "40.00", client=client), MARCH_5)
    first, second = ticket.lines.order_by("pk")
    ticket_update_line(line=first, user=manager, unit_price=Decimal("70.00"), reason="Price")
    assert days(client) == {"2026-03-04": Decimal("30.00"), "2026-03-05": Decimal("110.00")}
    ticket_remove_line(line=second, user=manager, reason="Not sold")
    assert days(client) == {"2026-03-04": Decimal("30.00"), "2026-03-05": Decimal("70.00")}
    assert daily_spend_disagreements() == []


def test_voiding_a_closed_ticket_takes_it_away_and_an_open_one_changes_nothing(manager):
    """R16, R61: a refund stops qualifying; an open ticket never counted."""
    client = ClientFactory()
    kept = close_at(paid_ticket("80.00", client=client), MARCH_5)
    refunded = close_at(paid_ticket("45.00", client=client), MARCH_5 + timedelta(hours=2))
    assert days(client) == {"2026-03-05": Decimal("125.00")}
    ticket_void(ticket=refunded, user=manager, reason="Refund", now=MARCH_5 + timedelta(days=3))
    assert days(client) == {"2026-03-05": Decimal("80.00")}
    ticket_void(ticket=refunded, user=manager, reason="Twice", now=MARCH_5 + timedelta(days=4))
    ticket_void(ticket=paid_ticket("10.00", client=client), user=manager)
    assert days(client) == {"2026-03-05": Decimal("80.00")}
    assert kept.client_id == client.pk and daily_spend_disagreements() == []


def test_a_merge_adds_the_duplicates_days_to_the_survivors(manager):
    """R17: survivor $100 on 5 March; duplicate $40 on 5 March and $25 on 6 March: the
    survivor holds $140 and $25, the tombstone nothing, and the window read agrees."""
    survivor, duplicate = ClientFactory(), ClientFactory()
    close_at(paid_ticket("100.00", client=survivor), MARCH_5)
    close_at(paid_ticket("40.00", client=duplicate), MARCH_5 + timedelta(hours=1))
    close_at(paid_ticket("25.00", client=duplicate), MARCH_5 + timedelta(days=1))
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert days(survivor) == {"2026-03-05": Decimal("140.00"), "2026-03-06": Decimal("25.00")}
    assert not DailySpend.objects.filter(client=duplicate).exists()
    since = MARCH_5 - timedelta(days=1)
    assert client_qualifying_spend_since(client_id=survivor.pk, since=since) == Decimal("165.00")
    assert daily_spend_disagreements() == []


def test_an_item_becoming_or_ceasing_to_be_a_gift_card_recounts_its_days(manager):
    """R61 excludes gift cards by the item's kind as it is now: a $30 item sold on two days
    re-classified as a gift card leaves both days, and back as a product returns."""
    client = ClientFactory()
    voucher = ItemFactory(kind=ItemKind.PRODUCT, price=Decimal("30.00"))
    for moment in (MARCH_5, MARCH_5 + timedelta(days=1)):
        ticket = ticket_open(client=client)
        ticket_add_line(ticket=ticket, item=voucher)
        ticket_add_line(ticket=ticket, item=service_item("50.00"))
        payment_add(ticket=ticket, method="cash", amount=Decimal("80.00"))
        close_at(ticket, moment)
    assert days(client) == {"2026-03-05": Decimal("80.00"), "2026-03-06": Decimal("80.00")}
    item_update(item=voucher, kind=ItemKind.GIFT_CARD)
    assert days(client) == {"2026-03-05": Decimal("50.00"), "2026-03-06": Decimal("50.00")}
    item_update(item=voucher, name="Voucher")  # no change of kind: nothing to recount
    item_update(item=voucher, kind=ItemKind.SERIES_PACKAGE)
    assert days(client) == {"2026-03-05": Decimal("80.00"), "2026-03-06": Decimal("80.00")}
    assert daily_spend_disagreements() == []


def test_the_window_starts_at_an_instant_inside_its_first_day():
    """R61's window is `closed_at > now - window_days`: with the window starting at 15:00
    UTC on 5 March, $11 closed at 14:59 is out, $13 at 15:01 and $17 at 23:59 are in (read
    from their lines), $19 on 6 March is in (its stored day)."""
    client = ClientFactory()
    for price, moment in (
        ("11.00", MARCH_5 - timedelta(minutes=1)),
        ("13.00", MARCH_5 + timedelta(minutes=1)),
        ("17.00", MARCH_5 + timedelta(hours=8, minutes=59)),
        ("19.00", MARCH_5 + timedelta(hours=9)),
    ):
        close_at(paid_ticket(price, client=client), moment)
    assert client_qualifying_spend_since(client_id=client.pk, since=MARCH_5) == Decimal("49.00")
    assert client_qualifying_spend_since(
        client_id=client.pk, since=MARCH_5 - timedelta(minutes=2)
    ) == Decimal("60.00")
    assert client_qualifying_spend_since(
        client_id=client.pk, since=MARCH_5 + timedelta(hours=9)
    ) == Decimal("0.00")
    assert client_qualifying_spend_since(
        client_id=client.pk, since=MARCH_5 + timedelta(hours=8, minutes=59, seconds=59)
    ) == Decimal("19.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_two_closes_of_one_clients_tickets_on_one_day_both_count(round_):
    """Two closes racing on one client's day row: the upsert adds both ($60 + $45), neither
    reads a sum the other hasn't committed, and neither deadlocks with the close's locks."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    client = ClientFactory()
    first, second = paid_ticket("60.00", client=client), paid_ticket("45.00", client=client)
    outcomes = run_together(
        lambda: close_at(first, MARCH_5), lambda: close_at(second, MARCH_5 + timedelta(hours=1))
    )
    assert [outcome.status for outcome in outcomes] == ["closed", "closed"]
    assert days(client) == {"2026-03-05": Decimal("105.00")}
    assert daily_spend_disagreements() == []


def test_the_migration_fills_the_days_of_tickets_closed_before_it():
    """tickets/migrations/0008: the rows a data set had before the table, from its lines:
    $100 + $50 gift card on 5 March and $30 on 6 March give $100 and $30."""
    client = ClientFactory()
    close_at(sale(client, "100.00", gift_card="50.00"), MARCH_5)
    close_at(paid_ticket("30.00", client=client), MARCH_5 + timedelta(days=1))
    DailySpend.objects.all().delete()
    fill = importlib.import_module("tickets.migrations.0008_daily_spend_fill").fill
    fill(apps, None)
    assert days(client) == {"2026-03-05": Decimal("100.00"), "2026-03-06": Decimal("30.00")}
