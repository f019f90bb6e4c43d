"""loyalty's refusals, one class per broken rule (R71; salon/errors.py says how they render)."""

from salon.errors import DomainError


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
