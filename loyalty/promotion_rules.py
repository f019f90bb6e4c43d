"""Promotion rules as pure functions (R62): at most one promotion per (ticket, action), the
one giving the most points, a tie to the earliest created; its multiplier multiplies the
tier's and its bonus is added after. No database (STYLE 14)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from loyalty.tier_rules import points_multiplied


@dataclass(frozen=True)
class PromotionTerms:
    id: int
    name: str
    created_at: datetime
    actions: frozenset[str]
    item_kinds: frozenset[str]
    tier_ids: frozenset[int]
    multiplier: Decimal | None
    bonus_points: int | None
    # None: no limit; else how many more (ticket, action) this client may benefit on.
    uses_left: int | None = None


@dataclass(frozen=True)
class Earning:
    """What one (ticket, action) earns its client: the basis, before tier and promotion.

    A spend action earns `points` per `spend_unit` of `amount`; a per-visit action earns
    `points` once (amount 1, spend_unit 1) and no tier multiplier (R61).
    """

    action: str
    amount: Decimal
    points: int
    spend_unit: Decimal
    tier_multiplier: Decimal
    item_kind: str | None  # spend actions: the kind of line that earns


def promotion_covers(promotion: PromotionTerms, *, earning: Earning, tier_id: int | None) -> bool:
    if earning.action not in promotion.actions:
        return False
    if promotion.uses_left is not None and promotion.uses_left <= 0:
        return False
    if (
        promotion.item_kinds
        and earning.item_kind is not None
        and earning.item_kind not in promotion.item_kinds
    ):
        return False
    return not promotion.tier_ids or tier_id in promotion.tier_ids


def points_earned(*, earning: Earning, multiplier=None, bonus_points=None) -> int:
    """floor(amount x points / spend_unit x tier multiplier x promotion multiplier) + bonus."""
    factor = earning.tier_multiplier * (Decimal(multiplier) if multiplier is not None else 1)
    points = points_multiplied(
        amount=earning.amount,
        points=earning.points,
        spend_unit=earning.spend_unit,
        multiplier=factor,
    )
    return points + (bonus_points or 0)


def best_promotion(
    *, earning: Earning, promotions: list[PromotionTerms], tier_id: int | None
) -> PromotionTerms | None:
    """The promotion giving this (ticket, action) the most points, a tie to the earliest
    created; None when none covers it or none gives more than no promotion."""
    best, best_points = None, points_earned(earning=earning)
    for promotion in sorted(promotions, key=lambda p: (p.created_at, p.id)):
        if not promotion_covers(promotion, earning=earning, tier_id=tier_id):
            continue
        points = points_earned(
            earning=earning, multiplier=promotion.multiplier, bonus_points=promotion.bonus_points
        )
        if points > best_points:
            best, best_points = promotion, points
    return best
