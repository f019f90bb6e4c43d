"""What the loyalty services refuse, one class per broken rule (R71, salon/errors.py)."""

from salon.errors import DomainError

# --- numbers given ---------------------------------------------------------------------------


class NotAWholeNumber(DomainError):
    code = "not_a_whole_number"
    message = "Give a whole number."


class NumberTooSmall(DomainError):
    code = "number_too_small"
    message = "Give a larger whole number."


# --- redemption (R19-R21, R34) -----------------------------------------------------------------


class RewardsOff(DomainError):
    code = "rewards_off"
    message = "The Rewards & Referrals feature is switched off."


class RedemptionPaused(DomainError):
    code = "redemption_paused"
    message = "Redemption is paused (minimum redemption is 0)."


class BelowMinRedemption(DomainError):
    code = "below_min_redemption"
    message = "The client doesn't have the minimum redeemable points to redeem."


class ExceedsRedeemable(DomainError):
    code = "exceeds_redeemable"
    message = "The client doesn't have that many redeemable points."


# --- manual adjustment (R15, SPEC §10) -----------------------------------------------------------


class AdjustmentReasonRequired(DomainError):
    code = "reason_required"
    message = "Give a reason for the adjustment."


class ZeroPoints(DomainError):
    code = "zero_points"
    message = "Give a number of points other than 0."


# --- configuration (SPEC §3, R15, R19) ---------------------------------------------------------


class UnknownAction(DomainError):
    code = "unknown_action"
    message = "Unknown earning action."


class FieldNotEditable(DomainError):
    code = "field_not_editable"
    message = "This field can't be changed."


class NotTrueOrFalse(DomainError):
    code = "not_a_boolean"
    message = "Give true or false."


class NotApplicable(DomainError):
    code = "not_applicable"
    message = "Not applicable (NA) for this action."


class InvalidAmount(DomainError):
    code = "invalid_amount"
    message = "Give an amount in dollars."


class SpendUnitNotPositive(DomainError):
    code = "spend_unit_not_positive"
    message = "The amount spent must be more than 0."


class NotDollarsAndCents(DomainError):
    code = "not_dollars_and_cents"
    message = "Give dollars and cents."
