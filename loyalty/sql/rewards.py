"""The rewards box read (R15, R18, R20, R28, R34, R54, R61): P1/P2's hot read, with the lots
past their date of a client whose stored earliest date is already past, alone or with the
client's tier standing in the same statement."""

from datetime import datetime

from django.db import connection

from clients.models import Client
from loyalty.lots import local_date
from loyalty.models import LoyaltySettings, PointsBalance, PointsEntry, PointsLot, Tier
from loyalty.sql import column
from loyalty.sql.standing import (
    TIER_STANDING_ORDER,
    TIER_STANDING_SELECT,
    tier_standing_parameters,
)
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
    subqueries on every read cost 0.39 ms of planning (docs/performance.md, "P2, third
    pass"). Only when the stored earliest date is already past (lots waiting for the daily
    expiry run) are the lots read: what they hold isn't redeemable, and the next date to
    come is theirs (R54); PostgreSQL runs those subqueries for that client alone (a CASE
    branch not taken is never executed).
    """
    client, balance, entry = Client._meta, PointsBalance._meta, PointsEntry._meta
    settings_table, features = LoyaltySettings._meta.db_table, Features._meta.db_table
    stored_on = f"b.{column(PointsBalance, 'next_expiry_on')}"
    past = f"{stored_on} < %(today)s"
    # Lots still holding points, through the partial index points_lot_live: the cost follows
    # what the client holds, not their history (R54).
    live = (
        f"FROM {PointsLot._meta.db_table} l WHERE l.{column(PointsLot, 'client')} = c.id "
        "AND l.remaining > 0 AND l.expires_on"
    )
    next_date = f"(SELECT MIN(l.expires_on) {live} >= %(today)s)"
    return (
        f"SELECT c.{client.get_field('merged_into').column} AS merged_into, "
        "COALESCE(b.total, 0) AS total, "
        f"COALESCE((SELECT SUM(e.points) FROM {entry.db_table} e "
        f"WHERE e.{entry.get_field('client').column} = c.id AND e.available_at > %(now)s), 0) "
        "AS pending, "
        f"(SELECT s.min_redemption_dollars FROM {settings_table} s WHERE s.id = 1) "
        "AS min_redemption_dollars, "
        f"(SELECT s.tier_window_days FROM {settings_table} s WHERE s.id = 1) AS window_days, "
        f"(SELECT f.rewards_referrals FROM {features} f WHERE f.id = 1) AS rewards_on, "
        # whether the box has a tier part to read (R61): nothing more to read without tiers
        f"EXISTS (SELECT 1 FROM {Tier._meta.db_table}) AS tiers_exist, "
        f"COALESCE(b.{column(PointsBalance, 'debt')}, 0) AS debt, "
        # The points of lots past their date, the next date to come and what its lots hold.
        # The sum is bounded below by the stored earliest date (exact: no live lot is
        # earlier) so that it reads points_lot_live: without the bound it read all of the
        # bench whale's 88,521 lots through the plain client index (12-20 ms; 0.1 ms with a
        # month-wide range, EXPLAIN ANALYZE, docs/performance.md "P2, third pass").
        f"CASE WHEN {past} THEN COALESCE((SELECT SUM(l.remaining) {live} >= {stored_on} "
        f"AND l.expires_on < %(today)s), 0) ELSE 0 END AS past_date, "
        f"CASE WHEN {past} THEN {next_date} ELSE {stored_on} END AS next_on, "
        f"CASE WHEN {past} THEN (SELECT SUM(l.remaining) {live} = {next_date}) "
        f"ELSE COALESCE(b.{column(PointsBalance, 'next_expiry_points')}, 0) END AS next_points "
        f"FROM {client.db_table} c LEFT JOIN {balance.db_table} b "
        f"ON b.{column(PointsBalance, 'client')} = c.id WHERE c.id = %(client)s"
    )


# Prepared (salon/db.py): planning took three times as long as running it (0.10 vs 0.03 ms,
# EXPLAIN ANALYZE, median client). Its generic plan, blind to `now`, reads the pending sum
# through points_client_available with the client and `now` as index conditions, and the
# lots through points_lot_live, as the custom plan does (checked with plan_cache_mode =
# force_generic_plan for the median client and the whale, and held by
# tests/loyalty/test_rewards_read.py): PointsEntry's client has no index of its own, whose
# generic plan summed the whale's whole history (10-30 ms a read, docs/performance.md).
REWARDS = PreparedStatement("loyalty_rewards", _rewards_sql())


def _rewards_parameters(*, client_id: int, now: datetime) -> dict:
    return {
        "now": connection.ops.adapt_datetimefield_value(now),
        "client": client_id,
        "today": connection.ops.adapt_datefield_value(local_date(now)),
    }


def rewards_row(*, client_id: int, now: datetime) -> tuple | None:
    """(merged_into, total, pending, min_redemption_dollars, tier_window_days, rewards_on,
    whether tiers exist, debt, points of lots past their date, the next date to come and
    what its lots hold) of one client."""
    with connection.cursor() as cursor:
        REWARDS.execute(cursor, _rewards_parameters(client_id=client_id, now=now))
        return cursor.fetchone()


# The rewards row with the client's tier standing (loyalty/sql/standing.py) joined to it: one
# row per tier, or one with the standing's columns null when the salon has no tiers. One
# statement rather than two sent in one round trip, which measured the same and needed a
# batching helper; on SQLite one query too (docs/performance.md, "P1, fifth pass").
# Prepared on the same grounds as each part: its generic plan is each part's (held by
# tests/loyalty/test_rewards_read.py), and sessions run it from the first run (settings).
REWARDS_WITH_STANDING = PreparedStatement(
    "loyalty_rewards_with_standing",
    f"SELECT r.*, s.* FROM ({_rewards_sql()}) r LEFT JOIN ({TIER_STANDING_SELECT}) s ON 1 = 1 "
    f"ORDER BY {TIER_STANDING_ORDER}",
)
_REWARDS_COLUMNS = 11


def rewards_with_standing_rows(
    *, client_id: int, now: datetime, standing_since: datetime
) -> tuple[tuple | None, list[tuple]]:
    """The rewards row and the client's tier standing rows over the window after the instant
    `standing_since`, in one statement."""
    with connection.cursor() as cursor:
        REWARDS_WITH_STANDING.execute(
            cursor,
            _rewards_parameters(client_id=client_id, now=now)
            | tier_standing_parameters(client_id=client_id, since=standing_since),
        )
        rows = cursor.fetchall()
    if not rows:
        return None, []
    standing = [row[_REWARDS_COLUMNS:] for row in rows if row[_REWARDS_COLUMNS] is not None]
    return rows[0][:_REWARDS_COLUMNS], standing
