"""The pure tier and promotion rules (R61, R62), called without a database."""

from datetime import date, datetime
from decimal import Decimal

from loyalty.promotion_rules import Earning, PromotionTerms, best_promotion, points_earned
from loyalty.tier_rules import (
    NextTier,
    TierTerms,
    next_tier,
    points_multiplied,
    review_due,
    tier_after_close,
    tier_after_merge,
    tier_after_review,
    tier_reached,
)

SILVER = TierTerms(1, "Silver", Decimal("1000.00"), Decimal("800.00"), Decimal("1.25"))
GOLD = TierTerms(2, "Gold", Decimal("2500.00"), Decimal("2000.00"), Decimal("1.50"))
TIERS = [GOLD, SILVER]


def promotion(id, *, multiplier=None, bonus=None, created=1, **kwargs):
    return PromotionTerms(
        id=id,
        name=f"Promotion {id}",
        created_at=datetime(2026, 1, created),
        actions=frozenset(kwargs.pop("actions", ["service_purchase"])),
        item_kinds=frozenset(kwargs.pop("item_kinds", [])),
        tier_ids=frozenset(kwargs.pop("tier_ids", [])),
        multiplier=None if multiplier is None else Decimal(multiplier),
        bonus_points=bonus,
        **kwargs,
    )


def service(amount="100.00", *, points=2, tier="1", kind="service"):
    return Earning(
        action="service_purchase",
        amount=Decimal(amount),
        points=points,
        spend_unit=Decimal("1.00"),
        tier_multiplier=Decimal(tier),
        item_kind=kind,
    )


def test_r61_multiplied_points_are_floored_once_per_ticket_and_action():
    # 33.33 x 2 / 1 x 1.25 = 83.325 -> 83
    assert (
        points_multiplied(
            amount=Decimal("33.33"),
            points=2,
            spend_unit=Decimal("1.00"),
            multiplier=Decimal("1.25"),
        )
        == 83
    )
    # dividing last: 10.00 x 1 / 3.00 x 3 = 10 exactly, not 9.999...
    assert (
        points_multiplied(
            amount=Decimal("10.00"), points=1, spend_unit=Decimal("3.00"), multiplier=Decimal("3")
        )
        == 10
    )


def test_r61_tier_reached_at_min_spend_inclusive():
    assert tier_reached(tiers=TIERS, spend=Decimal("999.99")) is None
    assert tier_reached(tiers=TIERS, spend=Decimal("1000.00")) == SILVER
    assert tier_reached(tiers=TIERS, spend=Decimal("2500.00")) == GOLD


def test_r61_a_close_only_moves_up():
    assert tier_after_close(current=None, tiers=TIERS, spend=Decimal("1000.00")) == SILVER
    assert tier_after_close(current=SILVER, tiers=TIERS, spend=Decimal("2499.99")) is None
    assert tier_after_close(current=SILVER, tiers=TIERS, spend=Decimal("2500.00")) == GOLD
    assert tier_after_close(current=GOLD, tiers=TIERS, spend=Decimal("0.00")) is None


def test_r61_review_due_only_on_the_1st_after_validity():
    held = date(2026, 1, 1)
    assert not review_due(today=date(2027, 1, 1), held_since=held, validity_days=365)
    assert not review_due(today=date(2027, 1, 2), held_since=held, validity_days=365)
    assert review_due(today=date(2027, 2, 1), held_since=held, validity_days=365)


def test_r61_review_keeps_the_highest_tier_up_to_the_one_held_whose_keep_spend_is_met():
    assert tier_after_review(current=GOLD, tiers=TIERS, spend=Decimal("2000.00")) == GOLD
    assert tier_after_review(current=GOLD, tiers=TIERS, spend=Decimal("1999.99")) == SILVER
    assert tier_after_review(current=GOLD, tiers=TIERS, spend=Decimal("799.99")) is None
    # never up: a Silver client meeting Gold's spend to stay is not moved to Gold
    assert tier_after_review(current=SILVER, tiers=TIERS, spend=Decimal("2400.00")) == SILVER


def test_r61_next_tier_and_the_spend_still_needed():
    assert next_tier(current=None, tiers=TIERS, spend=Decimal("400.00")) == NextTier(
        "Silver", Decimal("600.00")
    )
    assert next_tier(current=SILVER, tiers=TIERS, spend=Decimal("2600.00")) == NextTier(
        "Gold", Decimal("0.00")
    )
    assert next_tier(current=GOLD, tiers=TIERS, spend=Decimal("9000.00")) is None


def test_r62_gold_2x_promotion_multiplies_with_the_tier():
    """$100 at 2 per $1, Gold x1.5, a 2x promotion: 100 x 2 x 1.5 x 2 = 600."""
    earning = service(tier="1.50")
    double = promotion(1, multiplier="2.00")
    assert best_promotion(earning=earning, promotions=[double], tier_id=GOLD.id) == double
    assert points_earned(earning=earning, multiplier=double.multiplier) == 600


def test_r62_bonus_is_added_after_the_multipliers():
    assert points_earned(earning=service(tier="1.25"), bonus_points=50) == 250 + 50


def test_r62_the_larger_promotion_wins_and_a_tie_goes_to_the_earliest_created():
    double = promotion(1, multiplier="2.00", created=5)  # 200 -> 400
    bonus_100 = promotion(2, bonus=100, created=1)  # 200 -> 300
    assert best_promotion(earning=service(), promotions=[bonus_100, double], tier_id=None) == double
    bonus_200 = promotion(3, bonus=200, created=2)  # 200 -> 400, created before `double`
    assert (
        best_promotion(earning=service(), promotions=[double, bonus_200], tier_id=None) == bonus_200
    )


def test_r62_filters_actions_item_kinds_tiers_and_uses_left():
    earning = service()
    assert (
        best_promotion(
            earning=earning,
            promotions=[promotion(1, bonus=5, actions=["product_purchase"])],
            tier_id=None,
        )
        is None
    )
    assert (
        best_promotion(
            earning=earning,
            promotions=[promotion(1, bonus=5, item_kinds=["product"])],
            tier_id=None,
        )
        is None
    )
    assert (
        best_promotion(
            earning=earning,
            promotions=[promotion(1, bonus=5, tier_ids=[GOLD.id])],
            tier_id=SILVER.id,
        )
        is None
    )
    assert (
        best_promotion(
            earning=earning, promotions=[promotion(1, bonus=5, uses_left=0)], tier_id=None
        )
        is None
    )
    kept = promotion(1, bonus=5, tier_ids=[GOLD.id], item_kinds=["service"], uses_left=1)
    assert best_promotion(earning=earning, promotions=[kept], tier_id=GOLD.id) == kept


def test_r62_a_promotion_that_adds_nothing_is_not_chosen():
    # 0.10 x 2 = 0.2 -> 0; x1.01 still 0: nothing to benefit from, no use taken
    assert (
        best_promotion(
            earning=service("0.10"), promotions=[promotion(1, multiplier="1.01")], tier_id=None
        )
        is None
    )


def test_r61_multiplied_points_round_down_even_from_a_half():
    # 33.40 x 2 / 1 x 1.25 = 83.5 -> 83 (half-even would give 84)
    assert (
        points_multiplied(
            amount=Decimal("33.40"), points=2, spend_unit=Decimal("1.00"), multiplier="1.25"
        )
        == 83
    )


def test_r62_a_promotion_that_does_not_cover_the_action_does_not_stop_the_search():
    other = promotion(1, bonus=500, actions=["product_purchase"], created=1)
    double = promotion(2, multiplier="2.00", created=2)
    assert best_promotion(earning=service(), promotions=[other, double], tier_id=None) == double


def test_r17_r61_a_merge_keeps_the_higher_tier_held():
    spend = Decimal("0.00")
    assert tier_after_merge(survivor=None, duplicate=GOLD, tiers=TIERS, spend=spend) == GOLD
    assert tier_after_merge(survivor=GOLD, duplicate=SILVER, tiers=TIERS, spend=spend) == GOLD
    assert tier_after_merge(survivor=SILVER, duplicate=GOLD, tiers=TIERS, spend=spend) == GOLD
    assert tier_after_merge(survivor=SILVER, duplicate=None, tiers=TIERS, spend=spend) == SILVER
    assert tier_after_merge(survivor=None, duplicate=None, tiers=TIERS, spend=spend) is None


def test_r17_r61_the_merged_spend_may_reach_a_higher_tier():
    # $1,500 + $1,000 = $2,500: Gold, though each held Silver
    merged = Decimal("2500.00")
    assert tier_after_merge(survivor=SILVER, duplicate=SILVER, tiers=TIERS, spend=merged) == GOLD
    assert tier_after_merge(survivor=None, duplicate=None, tiers=TIERS, spend=merged) == GOLD
    assert (
        tier_after_merge(survivor=SILVER, duplicate=None, tiers=TIERS, spend=Decimal("2499.99"))
        == SILVER
    )


def test_r17_r61_a_merge_never_moves_anyone_down():
    # Gold held, $1,200 merged reaches only Silver: Gold stays
    spend = Decimal("1200.00")
    assert tier_after_merge(survivor=GOLD, duplicate=None, tiers=TIERS, spend=spend) == GOLD
    assert tier_after_merge(survivor=None, duplicate=GOLD, tiers=TIERS, spend=spend) == GOLD
