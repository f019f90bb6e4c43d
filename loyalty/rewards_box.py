"""The rewards box read (R15, R18, R20, R28, R34, R54): a client's pending and redeemable
points, the next expiry and whether they may redeem now, in one query (P1/P2); the SQL is
loyalty/sql/rewards.py's, the tier part loyalty/tiers.py's."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from clients.models import Client
from loyalty import lots as lot_rules
from loyalty.models import LoyaltySettings, PointsLot
from loyalty.redemption_rules import can_redeem
from loyalty.selectors import loyalty_settings_get
from loyalty.sql.rewards import rewards_row, rewards_with_standing_rows
from salon.money import dollars_to_points, points_to_dollars
from salon.selectors import features_get


@dataclass(frozen=True)
class Balance:
    """A client's points: pending (still on hold) and redeemable (R15)."""

    pending: int
    redeemable: int

    @property
    def total(self) -> int:
        return self.pending + self.redeemable


@dataclass(frozen=True)
class NextExpiry:
    """The points that expire first and the day they expire at the end of (R54)."""

    points: int
    on: date


@dataclass(frozen=True)
class RewardsSummary:
    """The rewards box (R28) and whether the client may redeem now (R20, R34)."""

    pending_points: int
    redeemable_points: int
    redeemable_value: Decimal
    min_redemption_points: int
    can_redeem: bool
    # The tier part (R61, §18), filled by loyalty.tiers.rewards_with_tier; None: no tiers.
    tier: dict | None = None
    qualifying_spend: Decimal | None = None
    next_tier: dict | None = None
    # Read with the balances: without tiers the tier part costs no query (P1), with tiers
    # one (loyalty.tiers.client_tier_standing), over this window (None: read it there).
    tiers_exist: bool = False
    tier_window_days: int | None = None
    next_expiry: NextExpiry | None = None
    # The tier standing's rows (loyalty/sql/standing.py) when read with the box, over the
    # settings' window; None: loyalty.tiers reads them.
    tier_standing_rows: list[tuple] | None = None


@dataclass(frozen=True)
class _RewardsRow:
    tombstone: bool
    total: int
    pending: int
    minimum_dollars: int | None
    tier_window_days: int | None
    rewards_on: bool | None
    tiers_exist: bool
    past_date: int  # points of lots past their date, not expired by the run yet (R54)
    next_expiry: "NextExpiry | None"
    tier_standing_rows: list[tuple] | None

    @property
    def redeemable(self) -> int:
        """Never counts points past their date, even before the run expires them (R54)."""
        return self.total - self.pending - self.past_date


def client_points_by_date_after_debt(
    *, client_id: int, debt: int, now: datetime
) -> dict[date, int]:
    """What each date's lots of this client will still hold when they expire, once its debt
    is paid from them (R52, R54): a debt is paid off from the next lot to free up only when
    a run, a redemption or a merge settles it, and until then the lots' remainders overstate
    what the client will lose."""
    lots = [
        lot_rules.LotView(
            id=lot["pk"],
            remaining=lot["remaining"],
            expires_on=lot["expires_on"],
            available_at=lot["available_at"],
            created_at=lot["created_at"],
        )
        for lot in PointsLot.objects.filter(client_id=client_id, remaining__gt=0).values(
            "pk", "remaining", "expires_on", "available_at", "created_at"
        )
    ]
    return lot_rules.points_by_date_after_debt(
        lots, debt=debt, now=now, today=lot_rules.local_date(now)
    )


def _next_expiry_after_debt(*, client_id: int, debt: int, now: datetime) -> "NextExpiry | None":
    """The next expiry of a client with a debt: a second query, for the few clients who
    owe points (R54); the rest keep the one-query read (R18)."""
    left = client_points_by_date_after_debt(client_id=client_id, debt=debt, now=now)
    if not left:
        return None
    first = min(left)
    return NextExpiry(points=left[first], on=first)


def _as_date(value) -> date | None:
    """SQLite answers a date read by plain SQL as text."""
    return date.fromisoformat(value) if isinstance(value, str) else value


# The tier window in days as this process last read it: the rewards box reads the client's
# tier standing over it in the same statement as its row (P1), and again, over the window
# its row holds, when a manager has changed the window since (R61).
_tier_window_days_seen = LoyaltySettings._meta.get_field("tier_window_days").default


def _read(*, client_id: int, now: datetime, with_tier_standing: bool):
    """The rewards row, and with it the tier standing's rows over the settings' window (None
    when not asked for, or when the window changed under the one assumed)."""
    global _tier_window_days_seen
    if not with_tier_standing:
        return rewards_row(client_id=client_id, now=now), None
    assumed = _tier_window_days_seen
    row, standing = rewards_with_standing_rows(
        client_id=client_id, now=now, standing_since=now - timedelta(days=assumed)
    )
    window_days = None if row is None else row[4]  # the settings' tier_window_days
    if window_days is not None and window_days != assumed:
        _tier_window_days_seen = window_days
        return row, None
    return row, standing


def _rewards_row(
    *, client_id: int | None, now: datetime | None, with_tier_standing: bool = False
) -> _RewardsRow | None:
    now = now or timezone.now()
    row, standing = _read(client_id=client_id, now=now, with_tier_standing=with_tier_standing)
    if row is None:
        return None
    (
        merged_into, total, pending, minimum_dollars, tier_window_days, rewards_on,
        tiers_exist, debt, past_date, next_on, next_points,
    ) = row  # fmt: skip
    next_on = _as_date(next_on)
    next_expiry = None if next_on is None else NextExpiry(points=int(next_points), on=next_on)
    if next_expiry is not None and debt:
        next_expiry = _next_expiry_after_debt(client_id=client_id, debt=int(debt), now=now)
    return _RewardsRow(
        past_date=int(past_date),
        next_expiry=next_expiry,
        tombstone=merged_into is not None,
        total=int(total),
        pending=int(pending),
        minimum_dollars=minimum_dollars,
        tier_window_days=tier_window_days,
        rewards_on=None if rewards_on is None else bool(rewards_on),
        tiers_exist=bool(tiers_exist),
        tier_standing_rows=standing,
    )


def client_points_balance(*, client: Client, now: datetime | None = None) -> Balance:
    """Pending and redeemable points in one indexed query, whatever the history (R18).

    The balance row holds the total; pending sums only entries still on hold; redeemable
    is the rest.
    """
    row = _rewards_row(client_id=client.pk, now=now)
    if row is None:  # an unsaved client: nothing earned yet
        return Balance(pending=0, redeemable=0)
    return Balance(pending=row.pending, redeemable=row.redeemable)


def _rewards_summary(
    *,
    client_id: int | None,
    now: datetime | None,
    tombstone: bool | None = None,
    with_tier_standing: bool = False,
) -> RewardsSummary | None:
    """The rewards box in one query: the API's hottest read (P1). None when there is no
    such client."""
    row = _rewards_row(client_id=client_id, now=now, with_tier_standing=with_tier_standing)
    if row is None:
        return None
    # The single rows are made by migrations; after a test flush the getters re-create them.
    minimum_dollars = row.minimum_dollars
    if minimum_dollars is None:
        minimum_dollars = loyalty_settings_get().min_redemption_dollars
    rewards_on = row.rewards_on
    if rewards_on is None:
        rewards_on = features_get().rewards_referrals
    if tombstone is None:
        tombstone = row.tombstone
    redeemable = row.redeemable
    minimum = dollars_to_points(minimum_dollars)
    return RewardsSummary(
        pending_points=row.pending,
        redeemable_points=redeemable,
        redeemable_value=points_to_dollars(redeemable),
        min_redemption_points=minimum,
        can_redeem=can_redeem(
            rewards_on=bool(rewards_on),
            min_dollars=minimum_dollars,
            redeemable=redeemable,
            tombstone=bool(tombstone),
        ),
        tiers_exist=row.tiers_exist,
        tier_window_days=row.tier_window_days,
        next_expiry=row.next_expiry,
        tier_standing_rows=row.tier_standing_rows,
    )


def client_rewards_summary(
    *, client: Client, now: datetime | None = None, with_tier_standing: bool = False
) -> RewardsSummary:
    """The rewards box (R28) in one query; balances stay visible with the feature off,
    redeeming does not (R34). `with_tier_standing`: for loyalty.tiers.rewards_with_tier,
    the client's tier standing in the same statement."""
    summary = _rewards_summary(
        client_id=client.pk,
        now=now,
        tombstone=client.is_tombstone,
        with_tier_standing=with_tier_standing,
    )
    if summary is None:  # an unsaved client: nothing earned yet
        minimum = dollars_to_points(loyalty_settings_get().min_redemption_dollars)
        summary = RewardsSummary(0, 0, points_to_dollars(0), minimum, False)
    return summary


def client_rewards_summary_by_id(
    *, client_id: int, now: datetime | None = None, with_tier_standing: bool = False
) -> RewardsSummary | None:
    """The same, without loading the client first: one query for the whole GET
    /clients/{id}/rewards/ (P1). None when there is no such client (404)."""
    if not 0 < client_id < 2**63:  # no such id; plain SQL would fail on it, not answer 404
        return None
    return _rewards_summary(client_id=client_id, now=now, with_tier_standing=with_tier_standing)
