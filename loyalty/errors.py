"""The loyalty program's refusals, one class per broken rule (salon/errors.py, R71)."""

from salon.errors import DomainError


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


class ClientIsTombstone(DomainError):
    code = "client_is_tombstone"
    message = "This client was merged into another; use the survivor."


class PromotionInvalid(DomainError):
    """A promotion's dates, actions, item kinds, tiers or amounts break R62."""

    code = "promotion_invalid"
    message = "Check the promotion's dates, actions and amounts."


class PromotionMultiplierOrBonus(DomainError):
    code = "promotion_multiplier_or_bonus"
    message = "Give a multiplier (1.01 to 10) or bonus points, not both."


class PromotionInUse(DomainError):
    """Points entries name the promotion (R62): it stays for the record."""

    code = "promotion_in_use"
    message = "Points were earned under this promotion; it can't be deleted. End it instead."


class SettingInvalid(DomainError):
    code = "setting_invalid"
    message = "Check the value of this setting."
