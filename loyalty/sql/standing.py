"""A client's tier standing (R61, R46): the tiers, the one held and the qualifying spend, read
by the rewards box (P1) and the close's upgrade check; `TIER_STANDING_COLUMNS` names the
tickets and catalog columns it reads (tests/loyalty/test_sql_contract.py)."""

from datetime import datetime

from django.db import connection

from catalog.models import Item, ItemKind
from loyalty.models import ClientTier, Tier
from loyalty.sql import cents, column
from salon.db import PreparedStatement
from tickets.models import DailySpend, Ticket, TicketLine, TicketStatus
from tickets.spend import window_bounds


def _tier_standing_sql() -> str:
    """The tiers, whether the client holds each, and the client's qualifying spend
    over the window (R61, R46) on every row: the stored days after the window's first day
    (tickets.DailySpend) plus that first day's lines closed after its start, as
    tickets/spend.py reads them. Amounts in whole cents, exact on both databases.

    Replaced the ORM's annotated Tier queryset (Exists + two Subqueries), which took 4.5 ms
    in process for the bench's median client, nearly all of it Python building and
    compiling the query (PostgreSQL planned and ran it in 0.35 ms): this one takes 0.6 ms
    (docs/performance.md, "P1, third pass")."""
    tier, client_tier = Tier._meta.db_table, ClientTier._meta.db_table
    daily, line = DailySpend._meta.db_table, TicketLine._meta.db_table
    ticket, item = Ticket._meta.db_table, Item._meta.db_table
    line_net, tax = column(TicketLine, "net_amount"), column(TicketLine, "tax")
    amount = f"d.{column(DailySpend, 'amount')}"
    stored = (
        f"(SELECT COALESCE(SUM({cents(amount)}), 0) "
        f"FROM {daily} d WHERE d.{column(DailySpend, 'client')} = %(client)s "
        f"AND d.{column(DailySpend, 'day')} > %(first_day)s)"
    )
    pre_tax_net = (
        f"(l.{line_net} - CASE WHEN l.{column(TicketLine, 'tax_included')} THEN l.{tax} ELSE 0 END)"
    )
    closed_at = f"k.{column(Ticket, 'closed_at')}"
    first_day_lines = (
        f"(SELECT COALESCE(SUM({cents(pre_tax_net)}), 0) "
        f"FROM {line} l JOIN {ticket} k ON k.id = l.{column(TicketLine, 'ticket')} "
        f"JOIN {item} i ON i.id = l.{column(TicketLine, 'item')} "
        f"WHERE k.{column(Ticket, 'client')} = %(client)s "
        f"AND k.{column(Ticket, 'status')} = %(closed)s "
        f"AND {closed_at} > %(since)s AND {closed_at} < %(next_midnight)s "
        f"AND i.{column(Item, 'kind')} <> %(gift_card)s)"
    )
    return (
        f"SELECT t.id AS tier_id, t.name AS tier_name, {cents('t.min_spend')} AS min_spend, "
        f"{cents('t.keep_spend')} AS keep_spend, {cents('t.multiplier')} AS multiplier, "
        f"ct.{column(ClientTier, 'client')} IS NOT NULL AS held, "
        f"{stored} + {first_day_lines} AS spend "
        f"FROM {tier} t LEFT JOIN {client_tier} ct ON ct.{column(ClientTier, 'tier')} = t.id "
        f"AND ct.{column(ClientTier, 'client')} = %(client)s"
    )


# The rows' order, cheapest tier first, by the columns' names (whole cents order as amounts do).
TIER_STANDING_ORDER = "min_spend, tier_id"


# Prepared: its parameters are the client's id, which every index it reads starts with, and
# that client's window bounds; a generic plan reads the same indexes (salon/db.py).
TIER_STANDING_SELECT = _tier_standing_sql()
TIER_STANDING = PreparedStatement(
    "loyalty_tier_standing", f"{TIER_STANDING_SELECT} ORDER BY {TIER_STANDING_ORDER}"
)

# The columns of tickets' and catalog's tables the standing reads, by the name written in
# it (tests/loyalty/test_sql_contract.py).
TIER_STANDING_COLUMNS = [
    (DailySpend, "client", "client_id"), (DailySpend, "day", "day"),
    (DailySpend, "amount", "amount"),
    *((Ticket, field, column) for field, column in [
        ("id", "id"), ("client", "client_id"), ("status", "status"), ("closed_at", "closed_at"),
    ]),
    *((TicketLine, field, column) for field, column in [
        ("ticket", "ticket_id"), ("item", "item_id"), ("net_amount", "net_amount"),
        ("tax", "tax"), ("tax_included", "tax_included"),
    ]),
    (Item, "id", "id"), (Item, "kind", "kind"),
    (ClientTier, "client", "client_id"), (ClientTier, "tier", "tier_id"),
    *((Tier, field, field) for field in ["id", "name", "min_spend", "keep_spend", "multiplier"]),
]  # fmt: skip


def tier_standing_parameters(*, client_id: int, since: datetime) -> dict:
    """TIER_STANDING's parameters for the window after the instant `since`."""
    first_day, next_midnight = window_bounds(since)
    return {
        "client": client_id,
        "first_day": connection.ops.adapt_datefield_value(first_day),
        "since": connection.ops.adapt_datetimefield_value(since),
        "next_midnight": connection.ops.adapt_datetimefield_value(next_midnight),
        "closed": TicketStatus.CLOSED.value,
        "gift_card": ItemKind.GIFT_CARD.value,
    }


def tier_standing_rows(*, client_id: int, since: datetime) -> list[tuple]:
    """(id, name, min_spend, keep_spend, multiplier in cents, held, the client's
    qualifying spend in cents since the instant `since`) of each tier, cheapest first."""
    with connection.cursor() as cursor:
        TIER_STANDING.execute(cursor, tier_standing_parameters(client_id=client_id, since=since))
        return cursor.fetchall()
