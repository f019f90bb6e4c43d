"""loyalty's hand-written SQL, in one place (STYLE rule 15): table names from `_meta`; each
statement says what it replaced and the measured gain (docs/performance.md).

- the rewards box read (R15, R18, R20, R28, R34): P1/P2's hot read;
- a client's tier standing (R61): the tiers, the one held and the qualifying spend, read
  by the rewards box (P1) and the close's upgrade check; `TIER_STANDING_COLUMNS` names
  the tickets and catalog columns it reads (tests/loyalty/test_sql_contract.py);
- a ticket's ledger state (R3-R16, R22): one prepared SELECT across tickets, catalog,
  clients and appointments; `LEDGER_STATE_COLUMNS` names every column it reads from other
  apps' tables, and tests/loyalty/test_sql_contract.py fails loudly if one is renamed;
- the ledger's write (R14, R16, R18): entries, a ticket's snapshot and balance totals in
  one statement on PostgreSQL. Only loyalty/ledger.py calls it.
"""

import functools
from collections import defaultdict
from datetime import date, datetime

from django.db import DEFAULT_DB_ALIAS, connection, connections

from appointments.models import Appointment, ProductReservation
from catalog.models import Item, ItemKind
from clients.models import Client
from loyalty.actions import Action
from loyalty.models import (
    ClientTier,
    EarningRule,
    EntryKind,
    LoyaltySettings,
    PointsBalance,
    PointsEntry,
    PointsLot,
    Promotion,
    TicketEarningSnapshot,
    Tier,
)
from salon.db import PreparedStatement
from salon.models import Features
from tickets.models import DailySpend, Payment, Ticket, TicketLine, TicketStatus
from tickets.spend import window_bounds


def _column(model, field: str) -> str:
    return model._meta.get_field(field).column


def _cents(expression: str) -> str:
    """An exact integer number of cents on both databases (SQLite keeps decimals as reals)."""
    return f"CAST(ROUND({expression} * 100) AS BIGINT)"


# --- the rewards box read -----------------------------------------------------------------


def _rewards_sql() -> str:
    """One SELECT for a client's balance row (its total and its lots' figures), pending sum,
    tombstone mark, minimum redemption, rewards switch and whether tiers exist (R15, R18,
    R20, R34, R54, R61).

    Pending reads only entries with available_at > now through the (client, available_at)
    index: the last hold window, whatever the history. Written as SQL because building the
    same query with the ORM cost 1 ms of the read's 1.4 ms (docs/performance.md, P1/P2).
    The lots' next expiry and debt are the balance row's, kept by the ledger: five lot
    subqueries here cost 0.39 ms of planning on every read (docs/performance.md, "P2, third
    pass"); a date already past sends the selector to `lots_due_row`.
    """
    client, balance, entry = Client._meta, PointsBalance._meta, PointsEntry._meta
    settings_table, features = LoyaltySettings._meta.db_table, Features._meta.db_table
    return (
        f"SELECT c.{client.get_field('merged_into').column}, COALESCE(b.total, 0), "
        f"COALESCE((SELECT SUM(e.points) FROM {entry.db_table} e "
        f"WHERE e.{entry.get_field('client').column} = c.id AND e.available_at > %(now)s), 0), "
        f"(SELECT s.min_redemption_dollars FROM {settings_table} s WHERE s.id = 1), "
        f"(SELECT s.tier_window_days FROM {settings_table} s WHERE s.id = 1), "
        f"(SELECT f.rewards_referrals FROM {features} f WHERE f.id = 1), "
        f"b.{_column(PointsBalance, 'next_expiry_on')}, "
        f"COALESCE(b.{_column(PointsBalance, 'next_expiry_points')}, 0), "
        # whether the box has a tier part to read (R61): nothing more to read without tiers
        f"EXISTS (SELECT 1 FROM {Tier._meta.db_table}), "
        f"COALESCE(b.{_column(PointsBalance, 'debt')}, 0) "
        f"FROM {client.db_table} c LEFT JOIN {balance.db_table} b "
        f"ON b.{_column(PointsBalance, 'client')} = c.id WHERE c.id = %(client)s"
    )


# Planned on every run, not prepared (salon/db.py): a prepared statement's generic plan
# can't see `now`, and summed the whale's whole history (10.7 ms a read instead of 0.3 ms,
# docs/performance.md).
REWARDS_SQL = _rewards_sql()


def rewards_row(*, client_id: int, now: datetime) -> tuple | None:
    """(merged_into, total, pending, min_redemption_dollars, tier_window_days, rewards_on,
    earliest date of the lots holding points, what they hold, whether tiers exist, debt)
    of one client."""
    with connection.cursor() as cursor:
        cursor.execute(
            REWARDS_SQL,
            {"now": connection.ops.adapt_datetimefield_value(now), "client": client_id},
        )
        return cursor.fetchone()


def _lots_due_sql() -> str:
    """The client's lots past their date and the next date to come (R54), read from the
    lots: only for a client whose stored earliest date is already past, whose lots wait for
    the daily expiry run."""
    # Lots still holding points, through the partial index points_lot_live: the cost follows
    # what the client holds, not their history (R54).
    live = (
        f"FROM {PointsLot._meta.db_table} l WHERE l.{_column(PointsLot, 'client')} = "
        "%(client)s AND l.remaining > 0 AND l.expires_on"
    )
    next_date = f"(SELECT MIN(l.expires_on) {live} >= %(today)s)"
    # The sum is bounded below by the stored earliest date (exact: no live lot is earlier)
    # so that the planner reads it through points_lot_live: without the bound it read all of
    # the bench whale's 88,521 lots through the plain client index (12-20 ms; 0.1 ms with a
    # month-wide range, EXPLAIN ANALYZE, docs/performance.md "P2, third pass").
    return (
        f"SELECT COALESCE((SELECT SUM(l.remaining) {live} >= %(since)s "
        f"AND l.expires_on < %(today)s), 0), {next_date}, "
        f"(SELECT SUM(l.remaining) {live} = {next_date})"
    )


LOTS_DUE_SQL = _lots_due_sql()


def lots_due_row(*, client_id: int, since: date, today: date) -> tuple:
    """(points of lots past their date, next date to come, what its lots hold); `since` is
    the balance row's earliest date of the client's lots."""
    with connection.cursor() as cursor:
        cursor.execute(
            LOTS_DUE_SQL,
            {
                "client": client_id,
                "since": connection.ops.adapt_datefield_value(since),
                "today": connection.ops.adapt_datefield_value(today),
            },
        )
        return cursor.fetchone()


def _lot_figures_sql(client_count: int) -> str:
    balance = PointsBalance._meta.db_table
    client = _column(PointsBalance, "client")
    lots = (
        f"FROM {PointsLot._meta.db_table} l WHERE l.{_column(PointsLot, 'client')} = "
        f"{balance}.{client} AND l.remaining"
    )
    first = f"(SELECT MIN(l.expires_on) {lots} > 0)"
    return (
        f"UPDATE {balance} SET {_column(PointsBalance, 'next_expiry_on')} = {first}, "
        f"{_column(PointsBalance, 'next_expiry_points')} = "
        f"COALESCE((SELECT SUM(l.remaining) {lots} > 0 AND l.expires_on = {first}), 0), "
        f"{_column(PointsBalance, 'debt')} = COALESCE((SELECT -SUM(l.remaining) {lots} < 0), 0) "
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


# --- a client's tier standing ---------------------------------------------------------------


def _tier_standing_sql() -> str:
    """The tiers in order, whether the client holds each, and the client's qualifying spend
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
    line_net, tax = _column(TicketLine, "net_amount"), _column(TicketLine, "tax")
    amount = f"d.{_column(DailySpend, 'amount')}"
    stored = (
        f"(SELECT COALESCE(SUM({_cents(amount)}), 0) "
        f"FROM {daily} d WHERE d.{_column(DailySpend, 'client')} = %(client)s "
        f"AND d.{_column(DailySpend, 'day')} > %(first_day)s)"
    )
    pre_tax_net = (
        f"(l.{line_net} - CASE WHEN l.{_column(TicketLine, 'tax_included')} "
        f"THEN l.{tax} ELSE 0 END)"
    )
    closed_at = f"k.{_column(Ticket, 'closed_at')}"
    first_day_lines = (
        f"(SELECT COALESCE(SUM({_cents(pre_tax_net)}), 0) "
        f"FROM {line} l JOIN {ticket} k ON k.id = l.{_column(TicketLine, 'ticket')} "
        f"JOIN {item} i ON i.id = l.{_column(TicketLine, 'item')} "
        f"WHERE k.{_column(Ticket, 'client')} = %(client)s "
        f"AND k.{_column(Ticket, 'status')} = %(closed)s "
        f"AND {closed_at} > %(since)s AND {closed_at} < %(next_midnight)s "
        f"AND i.{_column(Item, 'kind')} <> %(gift_card)s)"
    )
    return (
        f"SELECT t.id, t.name, {_cents('t.min_spend')}, {_cents('t.keep_spend')}, "
        f"{_cents('t.multiplier')}, ct.{_column(ClientTier, 'client')} IS NOT NULL, "
        f"{stored} + {first_day_lines} "
        f"FROM {tier} t LEFT JOIN {client_tier} ct ON ct.{_column(ClientTier, 'tier')} = t.id "
        f"AND ct.{_column(ClientTier, 'client')} = %(client)s "
        "ORDER BY t.min_spend, t.id"
    )


# Prepared: its parameters are the client's id, which every index it reads starts with, and
# that client's window bounds; a generic plan reads the same indexes (salon/db.py).
TIER_STANDING = PreparedStatement("loyalty_tier_standing", _tier_standing_sql())

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


def tier_standing_rows(*, client_id: int, since: datetime) -> list[tuple]:
    """(id, name, min_spend, keep_spend, multiplier in cents, held, the client's
    qualifying spend in cents since the instant `since`) of each tier, cheapest first."""
    first_day, next_midnight = window_bounds(since)
    with connection.cursor() as cursor:
        TIER_STANDING.execute(
            cursor,
            {
                "client": client_id,
                "first_day": connection.ops.adapt_datefield_value(first_day),
                "since": connection.ops.adapt_datetimefield_value(since),
                "next_midnight": connection.ops.adapt_datetimefield_value(next_midnight),
                "closed": TicketStatus.CLOSED.value,
                "gift_card": ItemKind.GIFT_CARD.value,
            },
        )
        return cursor.fetchall()


# --- a ticket's ledger state ---------------------------------------------------------------


# Per-visit facts (SPEC §3 "First-time rules"), each evaluated only when the snapshot is
# still to be taken and, for the "first purchase of a kind" ones, when the ticket contains
# that kind and the rule is active: the scan of earlier tickets then stays off the hot path.
EARLIER_PURCHASES = {
    "earlier_service": (ItemKind.SERVICE, Action.FIRST_VISIT),
    "earlier_membership": (ItemKind.MEMBERSHIP, Action.REFERRED_MEMBERSHIP_PURCHASE),
    "earlier_series_package": (ItemKind.SERIES_PACKAGE, Action.REFERRED_PACKAGE_PURCHASE),
}
_JSON_FUNCTIONS = {
    "postgresql": ("json_agg", "json_build_array"),
    "sqlite": ("json_group_array", "json_array"),
}


def _ticket_ledger_sql(vendor: str) -> str:
    aggregate, row = _JSON_FUNCTIONS[vendor]
    ticket, line, payment = Ticket._meta.db_table, TicketLine._meta.db_table, Payment._meta.db_table
    item, client = Item._meta.db_table, Client._meta.db_table
    entry, snapshot = PointsEntry._meta.db_table, TicketEarningSnapshot._meta.db_table
    rule, settings_table = EarningRule._meta.db_table, LoyaltySettings._meta.db_table
    features, appointment = Features._meta.db_table, Appointment._meta.db_table
    reservation = ProductReservation._meta.db_table
    client_tier, tier = ClientTier._meta.db_table, Tier._meta.db_table
    promotion = Promotion._meta.db_table
    paid_lines = (
        f"FROM {line} l JOIN {item} i ON i.id = l.item_id "
        "WHERE l.ticket_id = %(ticket)s AND NOT l.package_redemption"
    )
    earlier_tickets = (
        f"FROM {ticket} et WHERE et.client_id = t.client_id AND et.status = %(closed)s "
        "AND et.id <> t.id"
    )
    facts = [
        f"CASE WHEN sn.id IS NULL THEN EXISTS (SELECT 1 {earlier_tickets}) END",
        *(
            f"CASE WHEN sn.id IS NULL "
            f"AND EXISTS (SELECT 1 {paid_lines} AND i.kind = %({name}_kind)s) "
            f"AND EXISTS (SELECT 1 FROM {rule} r WHERE r.action = %({name}_action)s "
            "AND r.active) "
            f"THEN EXISTS (SELECT 1 {earlier_tickets} AND EXISTS (SELECT 1 FROM {line} el "
            f"JOIN {item} ei ON ei.id = el.item_id WHERE el.ticket_id = et.id "
            f"AND NOT el.package_redemption AND ei.kind = %({name}_kind)s)) END"
            for name in EARLIER_PURCHASES
        ),
        f"CASE WHEN sn.id IS NULL AND t.reservation_id IS NOT NULL THEN EXISTS (SELECT 1 "
        f"{paid_lines} AND l.item_id = (SELECT rv.item_id FROM {reservation} rv "
        "WHERE rv.id = t.reservation_id)) END",
        # Tiers and promotions (R61, R62), read with the rest so that a salon without them
        # pays no statement for them: the client's tier now, whether any tier exists (the
        # upgrade check), whether a promotion runs on the close's local date.
        f"CASE WHEN sn.id IS NULL THEN (SELECT {row}(tr.id, tr.name, "
        f"{_cents('tr.multiplier')}) FROM {client_tier} ct JOIN {tier} tr "
        "ON tr.id = ct.tier_id WHERE ct.client_id = t.client_id) END",
        f"CASE WHEN sn.id IS NULL THEN EXISTS (SELECT 1 FROM {tier}) END",
        f"CASE WHEN sn.id IS NULL THEN EXISTS (SELECT 1 FROM {promotion} pr "
        "WHERE pr.starts_on <= %(today)s AND pr.ends_on >= %(today)s) END",
    ]
    return (
        "SELECT t.status, t.client_id, t.appointment_id, c.source, c.merged_into_id, "
        "c.referred_by_id, rc.merged_into_id, "
        f"(SELECT f.rewards_referrals FROM {features} f WHERE f.id = 1), "
        f"(SELECT s.hold_hours FROM {settings_table} s WHERE s.id = 1), "
        f"(SELECT s.expiry_days FROM {settings_table} s WHERE s.id = 1), "
        f"(SELECT s.earn_on FROM {settings_table} s WHERE s.id = 1), "
        f"(SELECT {aggregate}({row}(r.action, r.active, r.points, "
        f"{_cents('r.spend_unit')}, r.referrer_points)) FROM {rule} r), "
        "sn.id, sn.client_id, sc.merged_into_id, sn.referrer_id, sr.merged_into_id, "
        "sn.rewards_on, sn.rules, sn.per_visit_awards, sn.earn_on, sn.tier, sn.promotions, "
        "a.prebooked, a.source, "
        # Per kind, the lines' amounts before and with tax (R46): a price that contained its
        # tax gives it back for the pre-tax base; one that didn't adds it for the other.
        f"(SELECT {aggregate}({row}(x.kind, x.cents, x.post_tax_cents)) FROM (SELECT "
        "i.kind AS kind, "
        f"{_cents('SUM(l.net_amount - CASE WHEN l.tax_included THEN l.tax ELSE 0 END)')} "
        "AS cents, "
        f"{_cents('SUM(l.net_amount + CASE WHEN l.tax_included THEN 0 ELSE l.tax END)')} "
        f"AS post_tax_cents {paid_lines} GROUP BY i.kind) x), "
        f"(SELECT {aggregate}({row}(x.action, x.beneficiary, x.points, x.entries)) FROM "
        "(SELECT e.action AS action, e.beneficiary AS beneficiary, SUM(e.points) AS points, "
        f"COUNT(*) AS entries FROM {entry} e WHERE e.ticket_id = %(ticket)s "
        "AND e.action <> '' GROUP BY e.action, e.beneficiary) x), "
        f"(SELECT {aggregate}({row}(e.payment_id, e.points, e.client_id, ec.merged_into_id, "
        f"EXISTS (SELECT 1 FROM {payment} p WHERE p.id = e.payment_id "
        f"AND p.ticket_id = %(ticket)s))) FROM {entry} e JOIN {client} ec ON ec.id = e.client_id "
        "WHERE e.ticket_id = %(ticket)s AND e.kind = %(redeem)s AND NOT EXISTS (SELECT 1 "
        f"FROM {entry} g WHERE g.ticket_id = %(ticket)s AND g.kind = %(redeem_reversal)s "
        "AND g.payment_id = e.payment_id)), "
        f"{', '.join(facts)} "
        f"FROM {ticket} t "
        f"LEFT JOIN {client} c ON c.id = t.client_id "
        f"LEFT JOIN {client} rc ON rc.id = c.referred_by_id "
        f"LEFT JOIN {snapshot} sn ON sn.ticket_id = t.id "
        f"LEFT JOIN {client} sc ON sc.id = sn.client_id "
        f"LEFT JOIN {client} sr ON sr.id = sn.referrer_id "
        f"LEFT JOIN {appointment} a ON a.id = t.appointment_id "
        "WHERE t.id = %(ticket)s"
    )


TICKET_LEDGER = {
    vendor: PreparedStatement("loyalty_ticket_ledger_state", _ticket_ledger_sql(vendor))
    for vendor in _JSON_FUNCTIONS
}
_TICKET_LEDGER_PARAMS = {
    "closed": TicketStatus.CLOSED.value,
    "redeem": EntryKind.REDEEM.value,
    "redeem_reversal": EntryKind.REDEEM_REVERSAL.value,
    **{f"{name}_kind": kind.value for name, (kind, _) in EARLIER_PURCHASES.items()},
    **{f"{name}_action": action.value for name, (_, action) in EARLIER_PURCHASES.items()},
}

# Every (model, field, column) the ledger-state SELECT reads, by the name written in it. The
# statement is one string for speed (P3), so a rename elsewhere would only fail at run time:
# tests/loyalty/test_sql_contract.py checks each against the models' `_meta` instead.
LEDGER_STATE_COLUMNS = [
    *((Ticket, field, column) for field, column in [
        ("id", "id"), ("status", "status"), ("client", "client_id"),
        ("appointment", "appointment_id"), ("reservation", "reservation_id"),
    ]),
    *((TicketLine, field, column) for field, column in [
        ("ticket", "ticket_id"), ("item", "item_id"), ("net_amount", "net_amount"),
        ("package_redemption", "package_redemption"), ("tax", "tax"),
        ("tax_included", "tax_included"),
    ]),
    (Payment, "id", "id"), (Payment, "ticket", "ticket_id"),
    (Item, "id", "id"), (Item, "kind", "kind"),
    *((Client, field, column) for field, column in [
        ("id", "id"), ("source", "source"), ("merged_into", "merged_into_id"),
        ("referred_by", "referred_by_id"),
    ]),
    (Appointment, "id", "id"), (Appointment, "prebooked", "prebooked"),
    (Appointment, "source", "source"),
    (ProductReservation, "id", "id"), (ProductReservation, "item", "item_id"),
    (Features, "id", "id"), (Features, "rewards_referrals", "rewards_referrals"),
    (LoyaltySettings, "id", "id"), (LoyaltySettings, "hold_hours", "hold_hours"),
    (LoyaltySettings, "expiry_days", "expiry_days"),
    (LoyaltySettings, "earn_on", "earn_on"),
    *((EarningRule, field, field) for field in [
        "action", "active", "points", "spend_unit", "referrer_points",
    ]),
    *((TicketEarningSnapshot, field, column) for field, column in [
        ("id", "id"), ("ticket", "ticket_id"), ("client", "client_id"),
        ("referrer", "referrer_id"), ("rewards_on", "rewards_on"), ("rules", "rules"),
        ("per_visit_awards", "per_visit_awards"), ("earn_on", "earn_on"), ("tier", "tier"),
        ("promotions", "promotions"),
    ]),
    (ClientTier, "client", "client_id"), (ClientTier, "tier", "tier_id"),
    (Tier, "id", "id"), (Tier, "name", "name"), (Tier, "multiplier", "multiplier"),
    (Promotion, "starts_on", "starts_on"), (Promotion, "ends_on", "ends_on"),
    *((PointsEntry, field, column) for field, column in [
        ("ticket", "ticket_id"), ("client", "client_id"), ("payment_id", "payment_id"),
        ("action", "action"), ("beneficiary", "beneficiary"), ("points", "points"),
        ("kind", "kind"),
    ]),
]  # fmt: skip


def ticket_ledger_row(*, ticket_id: int, today: date) -> tuple | None:
    """The row `loyalty.earning.fetch` parses; None when there is no such ticket. `today`
    is the salon's local date of the reconcile (promotions run by local dates, R62)."""
    with connection.cursor() as cursor:
        TICKET_LEDGER[connection.vendor].execute(
            cursor,
            {
                **_TICKET_LEDGER_PARAMS,
                "ticket": ticket_id,
                "today": connection.ops.adapt_datefield_value(today),
            },
        )
        return cursor.fetchone()


# --- the ledger's write --------------------------------------------------------------------


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
    client, total = _column(PointsBalance, "client"), _column(PointsBalance, "total")
    on = _column(PointsBalance, "next_expiry_on")
    points = _column(PointsBalance, "next_expiry_points")
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
        _column(PointsEntry, name)
        for name in ["id", "client", "points", "points", "expires_on", "available_at", "created_at"]
    ]
    quoted = ", ".join(connection.ops.quote_name(_column(PointsLot, name)) for name in columns)
    return (
        f"new_lots AS (INSERT INTO {lot.db_table} ({quoted}) SELECT {', '.join(sources)} "
        f"FROM new_entries WHERE {_column(PointsEntry, 'idempotency_key')} = ANY(%s))",
        f"RETURNING {', '.join(dict.fromkeys(sources))}, {_column(PointsEntry, 'idempotency_key')}",
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
