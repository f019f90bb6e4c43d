"""Redemption controls (R57) as pure rules, with worked figures, without a database."""

from decimal import Decimal

from loyalty.control_rules import RedemptionControls
from tickets.points_rules import PointsRoom

# $50.00, $10.00 paid in points already: the ticket itself allows 5,000 - 1,000 - 1 = 3,999.
ROOM = PointsRoom(
    status="open",
    has_client=True,
    total=Decimal("50.00"),
    paid=Decimal("10.00"),
    points_paid=Decimal("10.00"),
)


def controls(*, percent=None, most=None, increment=1, kinds=None):
    return RedemptionControls(
        max_percent=percent,
        max_points=most,
        increment=increment,
        kinds_amount=None if kinds is None else Decimal(kinds),
    )


def test_r57_no_limit_leaves_the_ticket_and_the_balance():
    free = controls()
    assert free.caps(ROOM) == []
    assert free.most(ROOM, 10_000) == (3999, None)
    assert free.most(ROOM, 700) == (700, None)
    assert free.refusal_for(ROOM, 3999) is None
    # the ticket's figure names the ticket's rule when the ticket holds it, none when the
    # balance does
    assert free.redeemable(ROOM, 10_000) == (3999, "exceeds_ticket_total")
    assert free.redeemable(ROOM, 700) == (700, None)
    assert free.redeemable(ROOM, 3999) == (3999, None)


def test_r57_max_points_counts_the_points_already_paid():
    # 1,800 in all, 1,000 paid: 800 more
    capped = controls(most=1800)
    assert capped.caps(ROOM) == [(1800, "exceeds_max_redemption")]
    assert capped.most(ROOM, 10_000) == (800, "exceeds_max_redemption")
    assert capped.redeemable(ROOM, 10_000) == (800, "exceeds_max_redemption")
    assert capped.refusal_for(ROOM, 800) is None
    assert capped.refusal_for(ROOM, 801) == "exceeds_max_redemption"
    # a cap already passed leaves 0, never a negative figure
    assert controls(most=500).most(ROOM, 10_000) == (0, "exceeds_max_redemption")
    # a cap above what the balance allows holds nothing
    assert capped.most(ROOM, 700) == (700, None)
    assert capped.most(ROOM, 800) == (800, None)


def test_r57_max_percent_of_the_ticket_without_tips_rounded_down():
    # $50.01 at 33 %: 5,001 x 33 // 100 = 1,650 points in all (not 1,650.33); 650 more.
    room = PointsRoom(
        "open", True, Decimal("60.01"), Decimal("10.00"), Decimal("10.00"), tips=Decimal("10.00")
    )
    capped = controls(percent=33)
    assert capped.caps(room) == [(1650, "exceeds_max_redemption")]
    assert capped.most(room, 10_000) == (650, "exceeds_max_redemption")
    assert capped.refusal_for(room, 650) is None
    assert capped.refusal_for(room, 651) == "exceeds_max_redemption"


def test_r57_redeemable_kinds_cap_at_their_lines_worth():
    capped = controls(kinds="12.34")
    assert capped.caps(ROOM) == [(1234, "not_redeemable_on_items")]
    assert capped.most(ROOM, 10_000) == (234, "not_redeemable_on_items")
    assert capped.refusal_for(ROOM, 235) == "not_redeemable_on_items"


def test_r57_the_smallest_cap_holds_and_a_tie_names_the_first():
    every = controls(most=3000, percent=50, kinds="20.00")
    assert every.caps(ROOM) == [
        (3000, "exceeds_max_redemption"),
        (2500, "exceeds_max_redemption"),
        (2000, "not_redeemable_on_items"),
    ]
    assert every.most(ROOM, 10_000) == (1000, "not_redeemable_on_items")
    tie = controls(most=2000, kinds="20.00")
    assert tie.most(ROOM, 10_000) == (1000, "exceeds_max_redemption")
    assert tie.refusal_for(ROOM, 1001) == "exceeds_max_redemption"


def test_r57_increments_round_down_and_say_so():
    hundreds = controls(increment=100)
    assert hundreds.refusal_for(ROOM, 150) == "not_a_multiple"
    assert hundreds.refusal_for(ROOM, 200) is None
    assert hundreds.most(ROOM, 1250) == (1200, "not_a_multiple")
    assert hundreds.most(ROOM, 1200) == (1200, None)
    assert hundreds.redeemable(ROOM, 1250) == (1200, "not_a_multiple")
    # a cap that holds it keeps its own code after rounding
    capped = controls(increment=100, most=2250)
    assert capped.most(ROOM, 10_000) == (1200, "exceeds_max_redemption")
    # the multiple is checked before the caps
    assert capped.refusal_for(ROOM, 1350) == "not_a_multiple"


def test_r57_the_ticket_figure_names_the_rule_that_refuses_one_more_point():
    # $100.00 with 2 cents paid in cash: 9,998 points is the balance due; one more point
    # breaks the balance due (R21), two more would reach the total.
    room = PointsRoom("open", True, Decimal("100.00"), Decimal("0.02"), Decimal("0.00"))
    assert controls().redeemable(room, 10_000) == (9998, "exceeds_balance_due")
