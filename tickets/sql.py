"""tickets' hand-written SQL, in one place (STYLE rule 15): table and column names from
`_meta`; each statement says what it replaced and what it saved.

The ticket row lock and the close's conditional UPDATE are on every ticket service's path;
tests/tickets/test_sql_contract.py fails loudly if a column they read is renamed.
"""

from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Sum

from salon.db import PreparedStatement, instance_from_row

from .models import DailySpend, Payment, Ticket, TicketLine, TicketStatus, Tip
from .selectors import line_pre_tax_net, ticket_qualifying_lines


def _column(model, field: str) -> str:
    return model._meta.get_field(field).column


def _lock_ticket_sql(vendor: str) -> str:
    columns = ", ".join(field.column for field in Ticket._meta.concrete_fields)
    # SQLite has no row locks: its write transaction holds the whole database.
    # NO KEY: the lock guards the ticket's state, not its id, so other writers' foreign-key
    # checks on the ticket (a merge moving entries that name it) don't wait for it (R78).
    lock = " FOR NO KEY UPDATE" if vendor == "postgresql" else ""
    return (
        f"SELECT {columns} FROM {Ticket._meta.db_table} "
        f"WHERE {Ticket._meta.pk.column} = %(ticket)s{lock}"
    )


# Every ticket service starts here: prepared, it costs 0.18 ms against the ORM's 0.43 ms
# (docs/performance.md, P3).
LOCK_TICKET = {
    vendor: PreparedStatement("tickets_lock_ticket", _lock_ticket_sql(vendor))
    for vendor in ("postgresql", "sqlite")
}


def ticket_row_lock(ticket_id: int) -> Ticket | None:
    """The ticket's row, locked until the transaction ends; None when there is none."""
    with connection.cursor() as cursor:
        LOCK_TICKET[connection.vendor].execute(cursor, {"ticket": ticket_id})
        row = cursor.fetchone()
    return None if row is None else instance_from_row(Ticket, row)


def _close_if_settled_sql() -> str:
    ticket, line, payment = Ticket._meta.db_table, TicketLine._meta.db_table, Payment._meta.db_table
    tip = Tip._meta.db_table
    line_ticket, payment_ticket = _column(TicketLine, "ticket"), _column(Payment, "ticket")
    tip_ticket, tip_amount = _column(Tip, "ticket"), _column(Tip, "amount")
    net, amount = _column(TicketLine, "net_amount"), _column(Payment, "amount")
    tax, tax_included = _column(TicketLine, "tax"), _column(TicketLine, "tax_included")
    # The total of R44: lines' net, the tax of lines priced before tax, and the tips.
    return (
        f"UPDATE {ticket} SET {_column(Ticket, 'status')} = %(closed)s, "
        f"{_column(Ticket, 'closed_at')} = %(now)s, {_column(Ticket, 'updated_at')} = %(now)s, "
        f"{_column(Ticket, 'closed_by')} = %(closed_by)s "
        f"WHERE {Ticket._meta.pk.column} = %(ticket)s AND {_column(Ticket, 'status')} = %(open)s "
        f"AND EXISTS (SELECT 1 FROM {line} l WHERE l.{line_ticket} = %(ticket)s) "
        f"AND (SELECT CAST(ROUND(COALESCE(SUM(l.{net} + CASE WHEN l.{tax_included} THEN 0 "
        f"ELSE l.{tax} END), 0) * 100) AS BIGINT) "
        f"FROM {line} l WHERE l.{line_ticket} = %(ticket)s) "
        f"+ (SELECT CAST(ROUND(COALESCE(SUM(t.{tip_amount}), 0) * 100) AS BIGINT) "
        f"FROM {tip} t WHERE t.{tip_ticket} = %(ticket)s) "
        f"= (SELECT CAST(ROUND(COALESCE(SUM(p.{amount}), 0) * 100) AS BIGINT) "
        f"FROM {payment} p WHERE p.{payment_ticket} = %(ticket)s)"
    )


# One statement instead of the ORM's sums, compare and save (three queries, ~1 ms; P3).
CLOSE_IF_SETTLED = PreparedStatement("tickets_close_if_settled", _close_if_settled_sql())


def ticket_close_if_settled(*, ticket_id: int, now: datetime, closed_by_id: int | None) -> bool:
    """Close the (locked) ticket in one UPDATE if it has lines and its payments equal its
    total, compared in whole cents (R31), recording who closed it; whether it did. The lock
    is held already, so the statement's sums see every committed line and payment."""
    with connection.cursor() as cursor:
        CLOSE_IF_SETTLED.execute(
            cursor,
            {
                "closed": TicketStatus.CLOSED.value,
                "open": TicketStatus.OPEN.value,
                "now": Ticket._meta.get_field("closed_at").get_db_prep_save(now, connection),
                "ticket": ticket_id,
                "closed_by": closed_by_id,
            },
        )
        return cursor.rowcount == 1


def _daily_spend_upsert(select: str) -> str:
    """INSERT the rows `select` gives (client, day, amount), adding each amount to the row
    already there. One statement, atomic on both databases: two closes of one client on
    one day both count, the second waiting for the first's row (PostgreSQL) instead of
    reading a sum the first hasn't committed. The ORM can only overwrite on a conflict
    (`bulk_create(update_conflicts=True)`), or take two statements and a retry."""
    table = DailySpend._meta.db_table
    client, day, amount = (_column(DailySpend, name) for name in ("client", "day", "amount"))
    # SQLite needs a WHERE in an upsert's SELECT, or it reads ON CONFLICT as a join's ON.
    return (
        f"INSERT INTO {table} ({client}, {day}, {amount}) {select} "
        f"ON CONFLICT ({client}, {day}) DO UPDATE "
        f"SET {amount} = {table}.{amount} + excluded.{amount}"
    )


def daily_spend_add_ticket(*, ticket_id: int, client_id: int, day: date, sign: int) -> None:
    """Add (sign 1) or take away (sign -1) the ticket's qualifying spend (R61) to its client's
    row of `day`: one statement in the close's transaction, where the ORM's sum then upsert
    would be two (docs/performance.md, P1 whale with a tier). The amount is the ORM's own
    expression (`selectors.ticket_qualifying_lines`), compiled into the statement."""
    lines = (
        ticket_qualifying_lines(ticket_id=ticket_id)
        .values("ticket_id")
        .annotate(amount=Sum(line_pre_tax_net()))
        .values("amount")
    )
    lines_sql, lines_params = lines.query.sql_with_params()
    select = f"SELECT %s, %s, q.amount * %s FROM ({lines_sql}) q WHERE q.amount IS NOT NULL"
    with connection.cursor() as cursor:
        cursor.execute(_daily_spend_upsert(select), (client_id, day, sign, *lines_params))


def daily_spend_add(*, client_id: int, day: date, amount: Decimal) -> None:
    """Add `amount` to the client's qualifying spend of `day` (an item's re-count)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _daily_spend_upsert("SELECT %s, %s, %s WHERE 1 = 1"), (client_id, day, amount)
        )


def daily_spend_move(*, survivor_id: int, duplicate_id: int) -> None:
    """A merge adds the duplicate's daily spend to the survivor's (R17, R61), day by day in
    date order, then deletes the duplicate's rows."""
    table = DailySpend._meta.db_table
    client, day, amount = (_column(DailySpend, name) for name in ("client", "day", "amount"))
    select = f"SELECT %s, {day}, {amount} FROM {table} WHERE {client} = %s ORDER BY {day}"
    with connection.cursor() as cursor:
        cursor.execute(_daily_spend_upsert(select), (survivor_id, duplicate_id))
    DailySpend.objects.filter(client_id=duplicate_id).delete()
