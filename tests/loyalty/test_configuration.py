"""Rules, settings and manual adjustments (SPEC §3, R15, R19, §10)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from loyalty.actions import ACTIONS, Action
from loyalty.adjustments import points_adjust
from loyalty.configuration import earning_rule_update, loyalty_settings_update
from loyalty.models import EarningRule, EntryKind, LoyaltySettings, PointsEntry
from loyalty.rewards_box import Balance, client_points_balance
from loyalty.selectors import earning_rules_get
from salon.errors import DomainError, PermissionRefused

pytestmark = pytest.mark.django_db


def test_all_16_actions_start_inactive_with_0_points_and_na_cells_null(db):
    rules = earning_rules_get()
    assert [rule.action for rule in rules] == list(ACTIONS)
    assert len(rules) == 16
    assert all(not rule.active and rule.points == 0 for rule in rules)
    na_spend = {rule.action for rule in rules if rule.spend_unit is None}
    na_referrer = {rule.action for rule in rules if rule.referrer_points is None}
    assert na_spend == {
        "first_visit",
        "prebooked_appointment",
        "online_booking",
        "product_reservation",
        "online_signup",
        "feedback",
        "shared_feedback",
        "client_referral",
        "referred_membership_purchase",
        "referred_package_purchase",
    }
    assert na_referrer == {
        "first_visit",
        "product_reservation",
        "online_signup",
        "feedback",
        "shared_feedback",
        "client_referral",
        "referred_membership_purchase",
        "referred_package_purchase",
    }


def test_manager_updates_a_rule(manager):
    rule = earning_rule_update(
        action=Action.SERVICE_PURCHASE,
        changes={"active": True, "points": 2, "spend_unit": "1.00", "referrer_points": 1},
        user=manager,
    )
    assert (rule.active, rule.points, rule.spend_unit, rule.referrer_points) == (
        True,
        2,
        Decimal("1.00"),
        1,
    )


@pytest.mark.parametrize(
    ("action", "changes", "field"),
    [
        (Action.FIRST_VISIT, {"spend_unit": "1.00"}, "spend_unit"),
        (Action.FEEDBACK, {"referrer_points": 3}, "referrer_points"),
        (Action.CLIENT_REFERRAL, {"referrer_points": 0}, "referrer_points"),
        (Action.SERVICE_PURCHASE, {"spend_unit": "0"}, "spend_unit"),
        (Action.SERVICE_PURCHASE, {"spend_unit": "-1.00"}, "spend_unit"),
        (Action.SERVICE_PURCHASE, {"spend_unit": None}, "spend_unit"),
        (Action.SERVICE_PURCHASE, {"points": -1}, "points"),
        (Action.SERVICE_PURCHASE, {"points": 1.5}, "points"),
        (Action.SERVICE_PURCHASE, {"referrer_points": -2}, "referrer_points"),
        (Action.SERVICE_PURCHASE, {"active": "yes"}, "active"),
    ],
)
def test_bad_rule_changes_are_refused_and_nothing_changes(manager, action, changes, field):
    before = list(EarningRule.objects.values())
    with pytest.raises(DomainError) as refused:
        earning_rule_update(action=action, changes={"points": 9, **changes}, user=manager)
    assert refused.value.field == field
    assert list(EarningRule.objects.values()) == before


def test_database_refuses_na_cells_and_bad_ranges(db):

    earning_rules_get()
    for action, values in [
        (Action.FIRST_VISIT, {"spend_unit": Decimal("1.00")}),
        (Action.FEEDBACK, {"referrer_points": 1}),
        (Action.SERVICE_PURCHASE, {"spend_unit": Decimal("0.00")}),
        (Action.SERVICE_PURCHASE, {"referrer_points": None}),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            EarningRule.objects.filter(action=action).update(**values)


def test_front_desk_cannot_configure_rewards(front_desk):
    with pytest.raises(PermissionRefused):
        earning_rule_update(action=Action.FEEDBACK, changes={"points": 5}, user=front_desk)
    with pytest.raises(PermissionRefused):
        loyalty_settings_update(changes={"min_redemption_dollars": 10}, user=front_desk)


def test_r19_settings_update(manager):
    settings_row = loyalty_settings_update(
        changes={"min_redemption_dollars": 0, "hold_hours": 48}, user=manager
    )
    assert (settings_row.min_redemption_dollars, settings_row.hold_hours) == (0, 48)


@pytest.mark.parametrize("value", [-1, "2.5", "x", None])
def test_r19_minimum_must_be_a_whole_number_at_least_0(manager, value):
    with pytest.raises(DomainError):
        loyalty_settings_update(changes={"min_redemption_dollars": value}, user=manager)
    assert LoyaltySettings.objects.get().min_redemption_dollars == 5


def test_manual_adjustment_takes_effect_at_once_both_ways(customer, manager):
    """R15: a manual adjustment takes effect at once; downward can go below zero."""
    points_adjust(client=customer, points=100, reason="Birthday", user=manager)
    points_adjust(client=customer, points=-250, reason="Fraud", user=manager)
    assert client_points_balance(client=customer) == Balance(pending=0, redeemable=-150)
    entry = PointsEntry.objects.filter(kind=EntryKind.MANUAL).first()
    assert (entry.memo, entry.created_by) == ("Fraud", manager)


@pytest.mark.parametrize(
    ("points", "reason", "field"),
    [(0, "why", "points"), (10, "  ", "reason"), ("1.5", "why", "points"), (True, "w", "points")],
)
def test_manual_adjustment_bad_input(customer, manager, points, reason, field):
    with pytest.raises(DomainError) as refused:
        points_adjust(client=customer, points=points, reason=reason, user=manager)
    assert refused.value.field == field
    assert not PointsEntry.objects.exists()


def test_manual_adjustment_is_manager_only(customer, front_desk):
    with pytest.raises(PermissionRefused):
        points_adjust(client=customer, points=10, reason="x", user=front_desk)
