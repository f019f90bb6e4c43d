"""The client's qualifying spend (R61), stored per day (`DailySpend`) and kept by tickets'
services in the transaction of every change to what it sums: a close adds the ticket, a
void of a closed ticket takes it away, a post-close adjustment takes the ticket away as it
was and adds it as it is, a merge adds the duplicate's days to the survivor's, and an
item's change to or from a gift card re-counts the days its lines were sold on.

The read is exactly R61's window, `closed_at > now - window_days` (an instant, not a date):
the stored days strictly after the window's first day, plus that one boundary day's lines
read as they stand (a day of one client's tickets, by the (client, status, closed_at)
index). A whale's tier read adds up a year of rows, not 26,000 tickets' lines (P1).
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from catalog.models import Item, ItemKind
from clients.models import Client

from . import sql
from .models import DailySpend, Ticket, TicketLine, TicketStatus
from .selectors import MONEY, client_qualifying_lines, line_pre_tax_net, qualifying_lines

ZERO = Decimal("0.00")


def spend_day(moment: datetime) -> date:
    """The row a ticket closed at `moment` counts in: the UTC date, a storage bucket only."""
    return moment.astimezone(UTC).date()


def ticket_spend_count(*, ticket: Ticket, sign: int) -> None:
    """Add (1) or take away (-1) a closed ticket's qualifying spend to its client's day.
    Called under the ticket's lock, so its lines can't change meanwhile; a walk-in's ticket
    counts for nobody."""
    if ticket.client_id is None or ticket.closed_at is None:
        return
    sql.daily_spend_add_ticket(
        ticket_id=ticket.pk, client_id=ticket.client_id, day=spend_day(ticket.closed_at), sign=sign
    )


def daily_spend_move(*, survivor_id: int, duplicate_id: int) -> None:
    """A merge (R17): the duplicate's days add to the survivor's, with its tickets."""
    sql.daily_spend_move(survivor_id=survivor_id, duplicate_id=duplicate_id)


def daily_spend_item_recount(*, item: Item, was: str) -> None:
    """An item became (or stopped being) a gift card: every day its lines were sold on in a
    client's closed tickets loses (or gains) their pre-tax net, in the item change's
    transaction. Rare (a Manager reclassifying an item), so a grouped read and one upsert
    per day; a close of a ticket with that item in the same instant may count it at the
    kind it read, which `ledger_check` reports (docs/decisions.md)."""
    gift_card = ItemKind.GIFT_CARD
    if (was == gift_card) == (item.kind == gift_card):
        return
    sign = -1 if item.kind == gift_card else 1
    days = (
        TicketLine.objects.filter(
            item_id=item.pk, ticket__status=TicketStatus.CLOSED, ticket__client__isnull=False
        )
        .annotate(day=TruncDate("ticket__closed_at", tzinfo=UTC))
        .values("ticket__client_id", "day")
        .annotate(amount=Sum(line_pre_tax_net()))
        .order_by("ticket__client_id", "day")
    )
    for row in days:
        sql.daily_spend_add(
            client_id=row["ticket__client_id"], day=row["day"], amount=sign * row["amount"]
        )


def window_bounds(since: datetime) -> tuple[date, datetime]:
    """The window after the instant `since`, as it is read (R61): the stored days strictly
    after the first day, the first one's lines closed after `since` and before this end."""
    first_day = spend_day(since)
    return first_day, datetime.combine(first_day + timedelta(days=1), time(0), tzinfo=UTC)


def qualifying_spend_since(*, client_id: int, since: datetime) -> Coalesce:
    """The client's qualifying spend of tickets closed after the instant `since` (R61), as
    an expression of two uncorrelated subqueries (PostgreSQL runs each once, wherever it
    sits in a query): the stored days after `since`'s day, and that day's lines after it.
    The rewards box and the close read the same through loyalty/sql/standing.py's tier standing
    statement (tests/loyalty/test_tier_standing.py holds the two equal)."""
    first_day, next_midnight = window_bounds(since)
    stored = (
        DailySpend.objects.filter(client_id=client_id, day__gt=first_day)
        .order_by()
        .values("client_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    boundary = (
        client_qualifying_lines(client_id=client_id)
        .filter(ticket__closed_at__gt=since, ticket__closed_at__lt=next_midnight)
        .order_by()
        .values("ticket__client_id")
        .annotate(total=Sum(line_pre_tax_net()))
        .values("total")
    )
    return Coalesce(
        Subquery(stored, output_field=MONEY), Value(ZERO), output_field=MONEY
    ) + Coalesce(Subquery(boundary, output_field=MONEY), Value(ZERO), output_field=MONEY)


def client_qualifying_spend_since(*, client_id: int, since: datetime) -> Decimal:
    """The client's qualifying spend of tickets closed after `since` (R61), in one query."""
    total = (
        Client.objects.filter(pk=client_id)
        .annotate(spend=qualifying_spend_since(client_id=client_id, since=since))
        .values_list("spend", flat=True)
        .first()
    )
    return (total or ZERO).quantize(Decimal("0.01"))


def daily_spend_recomputed() -> dict[tuple[int, date], Decimal]:
    """Every (client, day)'s qualifying spend summed from the lines as they stand."""
    rows = (
        qualifying_lines()
        .filter(ticket__status=TicketStatus.CLOSED, ticket__client__isnull=False)
        .annotate(day=TruncDate("ticket__closed_at", tzinfo=UTC))
        .values("ticket__client_id", "day")
        .annotate(amount=Sum(line_pre_tax_net()))
        .order_by()
    )
    return {
        (row["ticket__client_id"], row["day"]): Decimal(row["amount"]).quantize(Decimal("0.01"))
        for row in rows
    }


def daily_spend_disagreements() -> list[tuple[int, date, Decimal, Decimal]]:
    """(client id, day, stored, recomputed) for each client's day whose stored qualifying
    spend differs from its lines' (a day stored at 0 with no line left agrees)."""
    recomputed = daily_spend_recomputed()
    stored = {(row.client_id, row.day): row.amount for row in DailySpend.objects.all()}
    found = []
    for key in sorted(set(recomputed) | set(stored)):
        kept, counted = stored.get(key, ZERO), recomputed.get(key, ZERO)
        if kept != counted:
            found.append((*key, kept, counted))
    return found
