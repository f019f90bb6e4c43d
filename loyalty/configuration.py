"""The rewards configuration (SPEC §3) and the loyalty settings (R15, R19): Manager only."""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from loyalty.actions import ACTIONS, SPEND_ACTIONS
from loyalty.errors import (
    FieldNotEditable,
    InvalidAmount,
    NotApplicable,
    NotDollarsAndCents,
    NotTrueOrFalse,
    SpendUnitNotPositive,
    UnknownAction,
)
from loyalty.models import EarningRule, LoyaltySettings
from loyalty.numbers import whole_number
from loyalty.selectors import earning_rules_get, loyalty_settings_get
from salon.errors import PermissionRefused


def earning_rule_changes_clean(*, action: str, changes: dict) -> dict:
    """The valid new values of one configuration row, or a DomainError naming the field.

    NA cells can't be set (SPEC §3); spend_unit > 0 in dollars and cents; points >= 0.
    """
    if action not in ACTIONS:
        raise UnknownAction(f"Unknown earning action {action!r}.", field="action")
    unknown = set(changes) - {"active", "points", "spend_unit", "referrer_points"}
    if unknown:
        raise FieldNotEditable(field=sorted(unknown)[0])
    cleaned = {}
    if "active" in changes:
        if not isinstance(changes["active"], bool):
            raise NotTrueOrFalse(field="active")
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


@transaction.atomic
def loyalty_settings_update(*, changes: dict, user) -> LoyaltySettings:
    """Minimum redemption (0 pauses it, R19) and the hold in hours (R15)."""
    if user is None or not user.has_perm("loyalty.change_loyaltysettings"):
        raise PermissionRefused("Only a Manager may change the loyalty settings.")
    unknown = set(changes) - {"min_redemption_dollars", "hold_hours"}
    if unknown:
        raise FieldNotEditable(field=sorted(unknown)[0])
    loyalty_settings_get()
    settings_row = LoyaltySettings.objects.select_for_update().get(pk=1)
    for field, value in changes.items():
        setattr(settings_row, field, whole_number(value, field=field, minimum=0))
    settings_row.full_clean()
    settings_row.save()
    return settings_row
