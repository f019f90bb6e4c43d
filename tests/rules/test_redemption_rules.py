"""Who may redeem (R19, R20, R34, R28's can_redeem): pure rules, without a database."""

from loyalty.redemption_rules import balance_refusal, can_redeem, redemption_closed


def test_r34_r19_redemption_closed_by_the_switch_or_a_zero_minimum():
    assert redemption_closed(rewards_on=False, min_dollars=5) == "rewards_off"
    assert redemption_closed(rewards_on=False, min_dollars=0) == "rewards_off"
    assert redemption_closed(rewards_on=True, min_dollars=0) == "redemption_paused"
    assert redemption_closed(rewards_on=True, min_dollars=5) is None
    assert redemption_closed(rewards_on=True, min_dollars=1) is None


def test_r20_the_minimum_is_min_dollars_times_100_points():
    assert balance_refusal(redeemable=499, min_dollars=5) == "below_min_redemption"
    assert balance_refusal(redeemable=500, min_dollars=5) is None
    # then any whole number of points up to the balance
    assert balance_refusal(redeemable=500, min_dollars=5, points=500) is None
    assert balance_refusal(redeemable=500, min_dollars=5, points=501) == "exceeds_redeemable"
    assert balance_refusal(redeemable=1200, min_dollars=5, points=1) is None
    # the minimum is checked first
    assert balance_refusal(redeemable=100, min_dollars=5, points=900) == "below_min_redemption"
    # a $0 minimum lets a single point through the balance check (the switch closes it)
    assert balance_refusal(redeemable=0, min_dollars=0) == "exceeds_redeemable"
    assert balance_refusal(redeemable=1, min_dollars=0) is None


def test_r28_can_redeem():
    assert can_redeem(rewards_on=True, min_dollars=5, redeemable=500, tombstone=False)
    assert not can_redeem(rewards_on=True, min_dollars=5, redeemable=499, tombstone=False)
    assert not can_redeem(rewards_on=False, min_dollars=5, redeemable=500, tombstone=False)
    assert not can_redeem(rewards_on=True, min_dollars=0, redeemable=500, tombstone=False)
    assert not can_redeem(rewards_on=True, min_dollars=5, redeemable=500, tombstone=True)
