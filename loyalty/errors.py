"""What the loyalty services refuse, one class per broken rule (R71, salon/errors.py)."""

from salon.errors import DomainError

# --- numbers given ---------------------------------------------------------------------------


class NotAWholeNumber(DomainError):
    code = "not_a_whole_number"
    message = "Give a whole number."


class NumberTooSmall(DomainError):
    code = "number_too_small"
    message = "Give a larger whole number."


class NumberTooLarge(DomainError):
    code = "number_too_large"
    message = "Give a smaller whole number."


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
    # Its own code, as a tier override's (tier_reason_required): tickets' reason_required
    # is R16's reason for changing a closed ticket, another rule.
    code = "adjustment_reason_required"
    message = "Give a reason for the adjustment."


class ZeroPoints(DomainError):
    code = "zero_points"
    message = "Give a number of points other than 0."


# --- configuration (SPEC §3, R15, R19) ---------------------------------------------------------


class UnknownAction(DomainError):
    code = "unknown_action"
    message = "Unknown earning action."


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


# --- tiers and promotions (R61, R62) ---------------------------------------------------------


class TierInvalid(DomainError):
    """A tier's spend thresholds or multiplier break R61."""

    code = "tier_invalid"
    message = "Check the tier's amounts and multiplier."


class TierNameTaken(DomainError):
    code = "tier_name_taken"
    message = "Another tier already has this name."


class TierInUse(DomainError):
    """A tier clients hold, or that a promotion is for, can't be deleted (history stays)."""

    code = "tier_in_use"
    message = "Clients hold this tier or a promotion is for it; move them first."


class TierReasonRequired(DomainError):
    code = "tier_reason_required"
    message = "Give a reason for placing the client in this tier."


class PromotionInvalid(DomainError):
    """A promotion's dates, actions, item kinds, tiers or amounts break R62."""

    code = "promotion_invalid"
    message = "Check the promotion's dates, actions and amounts."


class PromotionEndsBeforeStart(PromotionInvalid):
    message = "The promotion must end on or after its first day."


class PromotionMultiplierOrBonus(DomainError):
    code = "promotion_multiplier_or_bonus"
    message = "Give a multiplier (1.01 to 10) or bonus points, not both."


class PromotionInUse(DomainError):
    """Points entries name the promotion (R62): it stays for the record."""

    code = "promotion_in_use"
    message = "Points were earned under this promotion; it can't be deleted. End it instead."


# --- points over time (R51-R57) ----------------------------------------------------------------


class ExpiryBeforeHold(DomainError):
    code = "expiry_within_hold"
    message = "Points must live longer than the hold: expiry days × 24 must exceed the hold hours."


class ExpiryDateInPast(DomainError):
    code = "expiry_date_in_past"
    message = "Give today or a later date for these points to expire on."


class ExpiryOnDeduction(DomainError):
    code = "expiry_on_deduction"
    message = "Only points added get an expiry date; a deduction uses the earliest-expiring points."


class ExpiryDateAndNever(DomainError):
    code = "expiry_date_and_never"
    message = "Give an expiry date or “never expires”, not both."


class InvalidReminderDays(DomainError):
    code = "invalid_reminder_days"
    message = "Give up to 5 different whole numbers of days, each at least 1."


class InvalidRedeemableKinds(DomainError):
    code = "invalid_redeemable_kinds"
    message = "Give item kinds from the catalog's list."


class ExceedsMaxRedemption(DomainError):
    code = "exceeds_max_redemption"
    message = "That is more points than may pay for this ticket."


class NotAMultiple(DomainError):
    code = "not_a_multiple"
    message = "Points are redeemed in set steps."


class NotRedeemableOnItems(DomainError):
    code = "not_redeemable_on_items"
    message = "Points can't pay for these items."


class OtpRequired(DomainError):
    code = "otp_required"
    message = "This salon needs a code texted to the client to redeem points; send one first."


class OtpInvalid(DomainError):
    code = "otp_invalid"
    message = "That code is wrong, expired or used up; text the client a new one."


# --- the owner's report (R81) ------------------------------------------------------------------


class ReportDateMissing(DomainError):
    code = "report_date_required"
    message = "Give the report's from and to dates as YYYY-MM-DD."


class ReportDateInvalid(DomainError):
    code = "report_date_invalid"
    message = "Give the report's dates as YYYY-MM-DD."


class ReportPeriodReversed(DomainError):
    code = "report_period_reversed"
    message = "The report's from date is after its to date."


class ReportPeriodTooLong(DomainError):
    code = "report_period_too_long"
    message = "A report covers at most ten years (120 months): choose a shorter period."


class ReportTableUnknown(DomainError):
    code = "report_table_unknown"
    message = "There is no such table in the report."


class ReportFormatUnknown(DomainError):
    code = "report_format_unknown"
    message = "The report answers as json or csv."


class UnknownEarnOn(DomainError):
    code = "unknown_earn_on"
    message = "Earn on “pre_tax” (before tax) or “post_tax” (with tax)."


# Moving in from another system (R82): what a row or a file of the import can break.


class ImportColumnsUnknown(DomainError):
    code = "import_columns_unknown"
    message = "The file has columns the import doesn't know."


class ImportColumnsMissing(DomainError):
    code = "import_columns_missing"
    message = "The file needs a first_name and a last_name column."


class ImportPhoneRepeated(DomainError):
    code = "import_phone_repeated"
    message = "This phone is on an earlier row of the file too."


class ImportRowRepeated(DomainError):
    code = "import_row_repeated"
    message = "This client is on an earlier row of the file too."


class ImportReferrerUnknown(DomainError):
    code = "import_referrer_unknown"
    message = "No client has this phone, in the salon or on an earlier row of the file."


class ImportReferrerBelow(DomainError):
    code = "import_referrer_below"
    message = "The referrer's row is below this one: move it above."


class ImportDateInvalid(DomainError):
    code = "import_date_invalid"
    message = "Write the date as YYYY-MM-DD, e.g. 2026-12-31."


class ImportEmailInvalid(DomainError):
    code = "import_email_invalid"
    message = "This is not an e-mail address."


class ImportPointsInvalid(DomainError):
    code = "import_points_invalid"
    message = "Write the opening points as a whole number, 0 or more."


class ImportExpiryWithoutPoints(DomainError):
    code = "import_expiry_without_points"
    message = "An expiry date needs opening points to expire."
