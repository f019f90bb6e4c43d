"""The rewards box read (R15, R18, R20, R28, R34, R54, R61): P1/P2's hot read, and the lots
past their date of a client whose stored earliest date is already past."""

from datetime import date, datetime

from django.db import connection

from clients.models import Client
from loyalty.models import LoyaltySettings, PointsBalance, PointsEntry, PointsLot, Tier
from loyalty.sql import column
from salon.db import PreparedStatement
from salon.models import Features


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
        f"b.{column(PointsBalance, 'next_expiry_on')}, "
        f"COALESCE(b.{column(PointsBalance, 'next_expiry_points')}, 0), "
        # whether the box has a tier part to read (R61): nothing more to read without tiers
        f"EXISTS (SELECT 1 FROM {Tier._meta.db_table}), "
        f"COALESCE(b.{column(PointsBalance, 'debt')}, 0) "
        f"FROM {client.db_table} c LEFT JOIN {balance.db_table} b "
        f"ON b.{column(PointsBalance, 'client')} = c.id WHERE c.id = %(client)s"
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
        f"FROM {PointsLot._meta.db_table} l WHERE l.{column(PointsLot, 'client')} = "
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


# Prepared (salon/db.py): planning it took about as long as running it, 0.6 ms each under
# load, for the bench's median client (docs/performance.md, "P1, fourth pass"). Its generic
# plan reads every subquery through points_lot_live with the client and both dates as index
# conditions, as the custom plan does (EXPLAIN ANALYZE with plan_cache_mode =
# force_generic_plan, median client and whale): its parameters are the client, the index's
# leading column, and date bounds. The rewards statement above can't be: its generic plan
# reads the pending sum through the plain client index (10-30 ms for the whale).
LOTS_DUE = PreparedStatement("loyalty_lots_due", _lots_due_sql())


def lots_due_row(*, client_id: int, since: date, today: date) -> tuple:
    """(points of lots past their date, next date to come, what its lots hold); `since` is
    the balance row's earliest date of the client's lots."""
    with connection.cursor() as cursor:
        LOTS_DUE.execute(
            cursor,
            {
                "client": client_id,
                "since": connection.ops.adapt_datefield_value(since),
                "today": connection.ops.adapt_datefield_value(today),
            },
        )
        return cursor.fetchone()
