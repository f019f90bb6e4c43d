"""Who may redeem (R19, R20, R34) as pure rules, one place for the redemption itself, the
ticket's redeemable figure and the rewards box's `can_redeem`. No database (STYLE 14);
`make mutate` checks that tests/rules/test_redemption_rules.py catches a wrong number."""

from loyalty.errors import BelowMinRedemption, ExceedsRedeemable, RedemptionPaused, RewardsOff
from salon.money import dollars_to_points


def redemption_closed(*, rewards_on: bool, min_dollars: int) -> str | None:
    """The code of the rule that closes redemption to everyone, or None: the feature off
    (R34), or a minimum of $0 (R19 pauses redemption)."""
    if not rewards_on:
        return RewardsOff.code
    if min_dollars == 0:
        return RedemptionPaused.code
    return None


def balance_refusal(*, redeemable: int, min_dollars: int, points: int = 1) -> str | None:
    """The code of the rule a client's redeemable balance breaks for a redemption of
    `points`, or None (R20): at least `min_dollars` x 100 points, and no more than they
    have."""
    if redeemable < dollars_to_points(min_dollars):
        return BelowMinRedemption.code
    if points > redeemable:
        return ExceedsRedeemable.code
    return None


def can_redeem(*, rewards_on: bool, min_dollars: int, redeemable: int, tombstone: bool) -> bool:
    """The rewards box's `can_redeem` (R28): open to the client, and a point at least to
    spend. A tombstone redeems nothing (R17)."""
    return (
        not tombstone
        and redemption_closed(rewards_on=rewards_on, min_dollars=min_dollars) is None
        and balance_refusal(redeemable=redeemable, min_dollars=min_dollars) is None
    )
