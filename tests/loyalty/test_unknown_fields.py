"""A field an update doesn't take is one rule with one code, `field_not_editable`, whichever
loyalty table is changed: earning rules, settings, tiers and promotions (#12, R71)."""

import pytest

from loyalty.actions import Action
from loyalty.configuration import earning_rule_update, loyalty_settings_update
from loyalty.promotions import promotion_save
from loyalty.tier_table import tier_save
from salon.errors import FieldNotEditable

PROMOTION = {
    "name": "Double week",
    "starts_on": "2026-06-01",
    "ends_on": "2026-06-07",
    "actions": ["service_purchase"],
    "multiplier": "2.00",
}
TIER = {"name": "Silver", "min_spend": "1000.00"}


@pytest.mark.parametrize(
    "save",
    [
        lambda user: earning_rule_update(
            action=Action.SERVICE_PURCHASE, changes={"points": 1, "colour": "red"}, user=user
        ),
        lambda user: loyalty_settings_update(changes={"colour": "red"}, user=user),
        lambda user: tier_save(changes={**TIER, "colour": "red"}, user=user),
        lambda user: promotion_save(changes={**PROMOTION, "colour": "red"}, user=user),
    ],
    ids=["earning rule", "settings", "tier", "promotion"],
)
def test_a_field_the_update_does_not_take_is_refused_with_one_code(manager, save):
    with pytest.raises(FieldNotEditable) as refused:
        save(manager)
    assert (refused.value.code, refused.value.field) == ("field_not_editable", "colour")
