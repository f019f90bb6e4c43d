"""The rewards configuration (SPEC §3) and the loyalty settings (R15, R19, R51, R55-R57):
Manager only."""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from catalog.models import ItemKind
from loyalty.actions import ACTIONS, SPEND_ACTIONS
from loyalty.errors import (
    ExpiryBeforeHold,
    InvalidAmount,
    InvalidRedeemableKinds,
    InvalidReminderDays,
    NotApplicable,
    NotDollarsAndCents,
    NumberTooLarge,
    SpendUnitNotPositive,
    UnknownAction,
    UnknownEarnOn,
)
from loyalty.models import EarningRule, EarnOn, LoyaltySettings
from loyalty.numbers import whole_number
from loyalty.selectors import earning_rules_get, loyalty_settings_get
from salon.errors import FieldNotEditable, NotABoolean, PermissionRefused


def earning_rule_changes_clean(*, action: str, changes: dict) -> dict:
    """The valid new values of one configuration row, or a DomainError naming the field.

    NA cells can't be set (SPEC §3); spend_unit > 0 in dollars and cents; points >= 0.
    """
    if action not in ACTIONS:
        raise UnknownAction(f"Unknown earning action {action!r}.", field="action")
    FieldNotEditable.refuse_others(changes, {"active", "points", "spend_unit", "referrer_points"})
    cleaned = {}
    if "active" in changes:
        if not isinstance(changes["active"], bool):
            raise NotABoolean(field="active")
        cleaned["active"] = changes["active"]
    if "points" in changes:
        cleaned["points"] = whole_number(changes["points"], field="points", minimum=0)
    if "spend_unit" in changes:
        value = changes["spend_unit"]
        if action not in SPEND_ACTIONS:
            if value is not None:
                raise NotApplicable(
                    "Not applicable (NA): this action is earned per visit.", field="spend_unit"
                )
        else:
            try:
                spend_unit = Decimal(str(value))
            except (InvalidOperation, ValueError, TypeError):
                raise InvalidAmount(field="spend_unit") from None
            if not spend_unit.is_finite() or spend_unit <= 0:
                raise SpendUnitNotPositive(field="spend_unit")
            if spend_unit != spend_unit.quantize(Decimal("0.01")):
                raise NotDollarsAndCents(field="spend_unit")
            cleaned["spend_unit"] = spend_unit
    if "referrer_points" in changes:
        value = changes["referrer_points"]
        if not ACTIONS[action].referrer_eligible:
            if value is not None:
                raise NotApplicable(
                    "Not applicable (NA): this action earns no referrer points.",
                    field="referrer_points",
                )
        else:
            cleaned["referrer_points"] = whole_number(value, field="referrer_points", minimum=0)
    return cleaned


@transaction.atomic
def earning_rule_update(*, action: str, changes: dict, user) -> EarningRule:
    """Change one row of the configuration table (SPEC §3); Manager only."""
    if user is None or not user.has_perm("loyalty.change_earningrule"):
        raise PermissionRefused("Only a Manager may configure rewards.")
    cleaned = earning_rule_changes_clean(action=action, changes=changes)
    earning_rules_get()
    rule = EarningRule.objects.select_for_update().get(action=action)
    for field, value in cleaned.items():
        setattr(rule, field, value)
    rule.full_clean()
    rule.save()
    return rule


# setting -> its least value; a tier window of 0 days would count no spend at all (R61)
WHOLE_NUMBER_SETTINGS = {
    "min_redemption_dollars": 0,
    "hold_hours": 0,
    "redemption_increment": 1,
    "tier_window_days": 1,
    "tier_validity_days": 0,
    "birthday_points": 0,
}
OPTIONAL_NUMBER_SETTINGS = {
    "expiry_days": (1, None),
    "max_redemption_percent": (1, 100),
    "max_redemption_points": (1, None),
}
SWITCH_SETTINGS = ("monthly_statements", "redemption_otp")
SETTINGS_FIELDS = (
    *WHOLE_NUMBER_SETTINGS,
    *OPTIONAL_NUMBER_SETTINGS,
    *SWITCH_SETTINGS,
    "expiry_reminder_days",
    "redeemable_kinds",
    "earn_on",
)


def loyalty_settings_changes_clean(*, changes: dict, current: LoyaltySettings) -> dict:
    """The valid new values of the loyalty settings, or a DomainError naming the field
    (R15, R19, R51, R55-R57). Points must outlive their hold: expiry_days x 24 >
    hold_hours, whichever of the two changes (R51)."""
    FieldNotEditable.refuse_others(changes, SETTINGS_FIELDS)
    cleaned = {}
    for field, value in changes.items():
        if field in WHOLE_NUMBER_SETTINGS:
            cleaned[field] = whole_number(value, field=field, minimum=WHOLE_NUMBER_SETTINGS[field])
        elif field in OPTIONAL_NUMBER_SETTINGS:
            low, high = OPTIONAL_NUMBER_SETTINGS[field]
            number = None if value in (None, "") else whole_number(value, field=field, minimum=low)
            if number is not None and high is not None and number > high:
                raise NumberTooLarge(f"Give a whole number from {low} to {high}.", field=field)
            cleaned[field] = number
        elif field in SWITCH_SETTINGS:
            if not isinstance(value, bool):
                raise NotABoolean(field=field)
            cleaned[field] = value
        elif field == "earn_on":
            if value not in EarnOn.values:
                raise UnknownEarnOn(field=field)
            cleaned[field] = value
        elif field == "expiry_reminder_days":
            if not isinstance(value, list | tuple) or len(value) > 5:
                raise InvalidReminderDays(field=field)
            days = [whole_number(day, field=field, minimum=1) for day in value]
            if len(set(days)) != len(days):
                raise InvalidReminderDays(field=field)
            cleaned[field] = sorted(days, reverse=True)
        else:  # redeemable_kinds
            if (
                not isinstance(value, list | tuple)
                or not value
                or not all(isinstance(kind, str) and kind in ItemKind.values for kind in value)
            ):
                raise InvalidRedeemableKinds(field=field)
            cleaned[field] = [kind for kind in ItemKind.values if kind in value]
    expiry_days = cleaned.get("expiry_days", current.expiry_days)
    hold_hours = cleaned.get("hold_hours", current.hold_hours)
    if expiry_days is not None and expiry_days * 24 <= hold_hours:
        raise ExpiryBeforeHold(field="expiry_days" if "expiry_days" in cleaned else "hold_hours")
    return cleaned


@transaction.atomic
def loyalty_settings_update(*, changes: dict, user) -> LoyaltySettings:
    """Redemption (R19, R57), the hold (R15), points over time (R51, R55, R56), tiers (R61),
    birthdays (R63) and what spend actions earn on (R46, a closed ticket keeps its basis);
    a change of `expiry_days` dates only lots posted afterwards (R51)."""
    if user is None or not user.has_perm("loyalty.change_loyaltysettings"):
        raise PermissionRefused("Only a Manager may change the loyalty settings.")
    loyalty_settings_get()
    settings_row = LoyaltySettings.objects.select_for_update().get(pk=1)
    cleaned = loyalty_settings_changes_clean(changes=changes, current=settings_row)
    for field, value in cleaned.items():
        setattr(settings_row, field, value)
    settings_row.full_clean()
    settings_row.save()
    return settings_row
