"""The ledger's write (R14, R16, R18, R51): entries, a ticket's snapshot and balance totals in
one statement on PostgreSQL, and the balance rows' lot figures read again after a write that
drew from lots or left a debt (R52-R54). Only loyalty/ledger.py calls it."""

import functools
from collections import defaultdict
from datetime import date

from django.db import DEFAULT_DB_ALIAS, connection, connections

from loyalty.models import PointsBalance, PointsEntry, PointsLot, TicketEarningSnapshot
from loyalty.sql import column


def _lot_figures_sql(client_count: int) -> str:
    balance = PointsBalance._meta.db_table
    client = column(PointsBalance, "client")
    lots = (
        f"FROM {PointsLot._meta.db_table} l WHERE l.{column(PointsLot, 'client')} = "
        f"{balance}.{client} AND l.remaining"
    )
    first = f"(SELECT MIN(l.expires_on) {lots} > 0)"
    return (
        f"UPDATE {balance} SET {column(PointsBalance, 'next_expiry_on')} = {first}, "
        f"{column(PointsBalance, 'next_expiry_points')} = "
        f"COALESCE((SELECT SUM(l.remaining) {lots} > 0 AND l.expires_on = {first}), 0), "
        f"{column(PointsBalance, 'debt')} = COALESCE((SELECT -SUM(l.remaining) {lots} < 0), 0) "
        f"WHERE {client} IN ({', '.join(['%s'] * client_count)})"
    )


def lot_figures_refresh(client_ids) -> None:
    """Read these clients' stored lot figures (next expiry, its points, debt) again from
    their lots, in one UPDATE; called by the ledger, under their balance row locks, after a
    write that drew from lots or left a debt (R52-R54)."""
    ids = sorted(set(client_ids))
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_lot_figures_sql(len(ids)), ids)


@functools.cache
def _insert_head(model) -> tuple[str, list, str]:
    """The INSERT's fixed part, its fields and one row's placeholders, built once per model."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    row = f"({', '.join(['%s'] * len(fields))})"
    return f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ", fields, row


def _insert_sql(model, objects: list) -> tuple[str, list]:
    """One multi-row INSERT of these objects, their values prepared as the ORM prepares them."""
    head, fields, row = _insert_head(model)
    database = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy for each value
    params = [
        field.get_db_prep_save(getattr(instance, field.attname), database)
        for instance in objects
        for field in fields
    ]
    return head + ", ".join([row] * len(objects)), params


def _balances_upsert_sql(
    deltas: dict[int, int], next_expiries: dict[int, tuple[date, int]]
) -> tuple[str, list]:
    """Add each delta to its client's total, creating the row if missing; rows are written
    (and so locked) in primary-key order, as `_lock_balances` locks them (R18, R23).

    New lots only add to the stored lot figures: each client's earliest date among its new
    lots (and what they hold) becomes the next expiry when it comes first, or adds to it on
    the same date. So the close keeps them exact in its one write; debits, which can empty
    the earliest lot, read them again (`lot_figures_refresh`)."""
    table = PointsBalance._meta.db_table
    client, total = column(PointsBalance, "client"), column(PointsBalance, "total")
    on = column(PointsBalance, "next_expiry_on")
    points = column(PointsBalance, "next_expiry_points")
    date_field = PointsBalance._meta.get_field("next_expiry_on")
    rows = [
        (
            client_id,
            delta,
            date_field.get_db_prep_save(next_expiries.get(client_id, (None, 0))[0], connection),
            next_expiries.get(client_id, (None, 0))[1],
        )
        for client_id, delta in sorted(deltas.items())
    ]
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    # NULL compares to nothing: a row without a date takes the new one (the ELSE branches).
    later_or_none = f"excluded.{on} IS NULL OR {table}.{on} < excluded.{on}"
    return (
        f"INSERT INTO {table} ({client}, {total}, {on}, {points}) VALUES {values} "
        f"ON CONFLICT ({client}) DO UPDATE SET {total} = {table}.{total} + excluded.{total}, "
        f"{on} = CASE WHEN {later_or_none} THEN {table}.{on} ELSE excluded.{on} END, "
        f"{points} = CASE WHEN {later_or_none} THEN {table}.{points} "
        f"WHEN {table}.{on} = excluded.{on} THEN {table}.{points} + excluded.{points} "
        f"ELSE excluded.{points} END",
        [value for row in rows for value in row],
    )


def _lots_from_entries_sql() -> tuple[str, str]:
    """On PostgreSQL the lots that new entries start are inserted by the entries' own
    statement, from its RETURNING rows, so the close stays one write (P3, R51): a CTE and
    the RETURNING clause it reads."""
    lot = PointsLot._meta
    columns = ["entry", "client", "points", "remaining", "expires_on", "available_at", "created_at"]
    sources = [
        column(PointsEntry, name)
        for name in ["id", "client", "points", "points", "expires_on", "available_at", "created_at"]
    ]
    quoted = ", ".join(connection.ops.quote_name(column(PointsLot, name)) for name in columns)
    return (
        f"new_lots AS (INSERT INTO {lot.db_table} ({quoted}) SELECT {', '.join(sources)} "
        f"FROM new_entries WHERE {column(PointsEntry, 'idempotency_key')} = ANY(%s))",
        f"RETURNING {', '.join(dict.fromkeys(sources))}, {column(PointsEntry, 'idempotency_key')}",
    )


def ledger_write(
    entries: list[PointsEntry],
    *,
    snapshot: TicketEarningSnapshot | None = None,
    lot_keys: list[str] = (),
    next_expiries: dict[int, tuple[date, int]] | None = None,
) -> tuple[list[PointsEntry], bool]:
    """Append entries, and a ticket's earning snapshot when one is taken, and move the
    balance totals with them, in the caller's transaction (R14, R16, R18); on PostgreSQL
    the lots of the entries keyed `lot_keys` too (R51). Says whether it wrote those lots.
    `next_expiries`: each client's earliest date among the new lots and what they hold,
    added to the balance rows' lot figures.

    Plain SQL, and on PostgreSQL one statement: the close's writes cost one round trip, not
    five queries built by the ORM (docs/performance.md, P3). The entries are built here, by
    code; the database holds their keys, relations and CHECK constraints.
    """
    deltas: dict[int, int] = defaultdict(int)
    for entry in entries:
        deltas[entry.client_id] += entry.points
    writes = []
    if snapshot is not None:
        writes.append(_insert_sql(TicketEarningSnapshot, [snapshot]))
    if entries:
        writes.append(_balances_upsert_sql(deltas, next_expiries or {}))
    if not writes:
        return [], False
    with_lots = bool(lot_keys) and connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            params = [param for _, params in writes for param in params]
            ctes = [f"w{number} AS ({sql})" for number, (sql, _) in enumerate(writes)]
            if not entries:  # a snapshot alone is the statement itself
                ctes, last = [], writes[0][0]
            else:
                sql, entry_params = _insert_sql(PointsEntry, entries)
                params += entry_params
                if with_lots:
                    lots_cte, returning = _lots_from_entries_sql()
                    ctes += [f"new_entries AS ({sql} {returning})", lots_cte]
                    params.append(list(lot_keys))
                    last = "SELECT id FROM new_entries"
                else:
                    last = f"{sql} RETURNING id"
            cursor.execute(f"WITH {', '.join(ctes)} {last}" if ctes else last, params)
        else:
            if entries:
                sql, params = _insert_sql(PointsEntry, entries)
                writes.append((f"{sql} RETURNING id", params))
            for sql, params in writes:
                cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()] if entries else []
    for entry, pk in zip(entries, ids, strict=True):
        entry.pk = pk
        entry._state.adding = False
        entry._state.db = connection.alias
    return entries, with_lots
