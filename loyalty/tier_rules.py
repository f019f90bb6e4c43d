"""Tier rules as pure functions (R61): which tier a spend reaches, keeps, and what a tier's
multiplier makes of the client's own spend points. No database: the callers fetch the
terms once and write the outcome in one place (STYLE 14)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal


@dataclass(frozen=True)
class TierTerms:
    id: int
    name: str
    min_spend: Decimal
    keep_spend: Decimal
    multiplier: Decimal


@dataclass(frozen=True)
class NextTier:
    name: str
    spend_needed: Decimal


def points_multiplied(*, amount: Decimal, points: int, spend_unit: Decimal, multiplier) -> int:
    """floor(amount x points / spend_unit x multiplier) (R3, R61, R62), dividing last so that
    no digit is lost before the floor."""
    exact = amount * points * Decimal(multiplier) / spend_unit
    return int(exact.to_integral_value(rounding=ROUND_FLOOR))


def tier_reached(*, tiers: list[TierTerms], spend: Decimal) -> TierTerms | None:
    """The highest tier whose spend to reach the spend meets (>=), or None."""
    met = [tier for tier in tiers if spend >= tier.min_spend]
    return max(met, key=lambda tier: tier.min_spend, default=None)


def tier_after_close(
    *, current: TierTerms | None, tiers: list[TierTerms], spend: Decimal
) -> TierTerms | None:
    """The tier a close moves the client up to, or None when it moves nobody: a close only
    upgrades (a refund never downgrades at once)."""
    reached = tier_reached(tiers=tiers, spend=spend)
    if reached is None:
        return None
    if current is not None and reached.min_spend <= current.min_spend:
        return None
    return reached


def tier_after_merge(
    *,
    survivor: TierTerms | None,
    duplicate: TierTerms | None,
    tiers: list[TierTerms],
    spend: Decimal,
) -> TierTerms | None:
    """The survivor's tier after a merge (R17, R61): the higher of the two tiers held, or a
    higher one still that the merged qualifying spend reaches, as at a close. A merge never
    moves anyone down."""
    held = [tier for tier in (survivor, duplicate) if tier is not None]
    higher = max(held, key=lambda tier: tier.min_spend, default=None)
    return tier_after_close(current=higher, tiers=tiers, spend=spend) or higher


def review_due(*, today: date, held_since: date, validity_days: int) -> bool:
    """The monthly review acts on the 1st, on a tier held more than `validity_days`."""
    return today.day == 1 and today - held_since > timedelta(days=validity_days)


def tier_after_review(
    *, current: TierTerms, tiers: list[TierTerms], spend: Decimal
) -> TierTerms | None:
    """The tier a due review leaves the client in: the highest tier, up to the one held,
    whose spend to stay the spend meets, or none. A review never moves anyone up."""
    kept = [
        tier for tier in tiers if tier.min_spend <= current.min_spend and spend >= tier.keep_spend
    ]
    return max(kept, key=lambda tier: tier.min_spend, default=None)


def next_tier(
    *, current: TierTerms | None, tiers: list[TierTerms], spend: Decimal
) -> NextTier | None:
    """The lowest tier above the one held, and the qualifying spend still needed for it."""
    floor = current.min_spend if current is not None else Decimal("-1")
    above = [tier for tier in tiers if tier.min_spend > floor]
    upcoming = min(above, key=lambda tier: tier.min_spend, default=None)
    if upcoming is None:
        return None
    return NextTier(
        name=upcoming.name, spend_needed=max(upcoming.min_spend - spend, Decimal("0.00"))
    )
