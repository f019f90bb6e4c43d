"""REST API of the loyalty program (SPEC §11; R19-R23, R28, R34)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalog.models import ItemKind
from clients.models import Client
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.models import EarningRule, LoyaltySettings, PointsBalance, PointsEntry
from loyalty.rewards_box import client_rewards_summary
from salon.errors import DomainError
from salon.models import Features
from tests.accounts.factories import UserFactory
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import closed_ticket, rule_set
from tickets.lifecycle import ticket_close, ticket_open
from tickets.lines import ticket_add_line
from tickets.models import Payment
from tickets.payments import payment_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_customer(customer, manager):
    points_adjust(client=customer, points=1000, reason="Welcome gift", user=manager)
    return customer


@pytest.fixture
def open_ticket(rich_customer):
    ticket = ticket_open(client=rich_customer)
    ticket_add_line(ticket=ticket, item=ItemFactory(price=Decimal("100.00")))
    return ticket


@pytest.fixture
def app_user_api(customer):
    user = UserFactory(username=customer.email)
    type(customer).objects.filter(pk=customer.pk).update(user=user)
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_rules_list_has_the_16_rows_with_null_for_na(front_desk_api):
    response = front_desk_api.get("/api/v1/loyalty/rules/")
    assert response.status_code == 200
    rows = {row["action"]: row for row in response.json()}
    assert len(rows) == 16
    assert rows["service_purchase"] == {
        "action": "service_purchase",
        "label": "Service purchase",
        "active": False,
        "points": 0,
        "spend_unit": "1.00",
        "referrer_points": 0,
    }
    assert rows["feedback"]["spend_unit"] is None
    assert rows["feedback"]["referrer_points"] is None


def test_manager_patches_a_rule(manager_api):
    response = manager_api.patch(
        "/api/v1/loyalty/rules/day_package_purchase/",
        {"active": True, "points": 20, "spend_unit": "100.00", "referrer_points": 5},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["spend_unit"] == "100.00"
    rule = EarningRule.objects.get(action="day_package_purchase")
    assert (rule.active, rule.points, rule.spend_unit, rule.referrer_points) == (
        True,
        20,
        Decimal("100.00"),
        5,
    )


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("first_visit", {"spend_unit": "1.00"}, "spend_unit"),
        ("online_signup", {"referrer_points": 1}, "referrer_points"),
        ("service_purchase", {"spend_unit": "0.00"}, "spend_unit"),
        ("service_purchase", {"spend_unit": "-5"}, "spend_unit"),
        ("service_purchase", {"points": -1}, "points"),
    ],
)
def test_bad_rule_patch_is_400_and_changes_nothing(manager_api, action, body, field):
    before = list(EarningRule.objects.values())
    response = manager_api.patch(
        f"/api/v1/loyalty/rules/{action}/", {"active": True, **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert list(EarningRule.objects.values()) == before


def test_unknown_rule_is_404(manager_api):
    assert manager_api.patch("/api/v1/loyalty/rules/nope/", {}, format="json").status_code == 404


def test_front_desk_may_read_but_not_change_rules_and_settings(front_desk_api):
    assert front_desk_api.get("/api/v1/loyalty/settings/").json() == {
        "min_redemption_dollars": 5,
        "hold_hours": 24,
        "earn_on": "pre_tax",
        "tier_window_days": 365,
        "tier_validity_days": 365,
        "birthday_points": 0,
        "redemption_increment": 1,
        "expiry_days": None,
        "max_redemption_percent": None,
        "max_redemption_points": None,
        "monthly_statements": False,
        "redemption_otp": False,
        "expiry_reminder_days": [],
        "redeemable_kinds": [
            "service",
            "product",
            "day_package",
            "series_package",
            "membership",
            "gift_card",
        ],
    }
    assert (
        front_desk_api.patch(
            "/api/v1/loyalty/rules/feedback/", {"points": 5}, format="json"
        ).status_code
        == 403
    )
    assert (
        front_desk_api.patch(
            "/api/v1/loyalty/settings/", {"min_redemption_dollars": 1}, format="json"
        ).status_code
        == 403
    )


def test_anonymous_gets_401(anonymous_api):
    assert anonymous_api.get("/api/v1/loyalty/rules/").status_code == 401


def test_manager_patches_settings_and_bad_values_are_400(manager_api):
    response = manager_api.patch(
        "/api/v1/loyalty/settings/", {"min_redemption_dollars": 10}, format="json"
    )
    assert response.json()["min_redemption_dollars"] == 10
    assert response.json()["hold_hours"] == 24
    assert response.json()["earn_on"] == "pre_tax"
    bad = manager_api.patch(
        "/api/v1/loyalty/settings/", {"min_redemption_dollars": 2.5}, format="json"
    )
    assert bad.status_code == 400
    assert "min_redemption_dollars" in bad.json()
    assert LoyaltySettings.objects.get().min_redemption_dollars == 10


def test_manager_adjusts_points_201_and_front_desk_403(manager_api, front_desk_api, customer):
    body = {"client": customer.pk, "points": 150, "reason": "Birthday"}
    assert front_desk_api.post("/api/v1/loyalty/adjustments/", body).status_code == 403
    response = manager_api.post("/api/v1/loyalty/adjustments/", body, format="json")
    assert response.status_code == 201
    assert response.json()["points"] == 150
    assert response.json()["kind"] == "manual"
    missing_reason = manager_api.post(
        "/api/v1/loyalty/adjustments/", {**body, "reason": ""}, format="json"
    )
    assert missing_reason.status_code == 400
    assert "reason" in missing_reason.json()
    assert PointsEntry.objects.count() == 1


def test_an_adjustment_without_a_reason_has_its_own_code(manager, customer):  # R15, R71
    """Not tickets' reason_required (R16, a closed ticket's change): another rule."""
    with pytest.raises(DomainError) as refused:
        points_adjust(client=customer, points=150, reason="  ", user=manager)
    assert refused.value.code == "adjustment_reason_required"
    assert refused.value.field == "reason"
    assert PointsEntry.objects.count() == 0


def test_client_rewards_box(front_desk_api, customer):
    """R28: pending, redeemable, dollar value (string), minimum, can_redeem."""
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    closed_ticket(customer=customer, lines=[(ItemKind.SERVICE, Decimal("100.00"))])
    response = front_desk_api.get(f"/api/v1/clients/{customer.pk}/rewards/")
    assert response.json() == {
        "pending_points": 200,
        "redeemable_points": 0,
        "redeemable_value": "0.00",
        "min_redemption_points": 500,
        "can_redeem": False,
        # the salon has no tiers: no tier part (§18)
        "tier": None,
        "qualifying_spend": None,
        "next_tier": None,
        "next_expiry": None,
    }


def test_r34_rewards_box_stays_visible_with_feature_off(front_desk_api, rich_customer):
    Features.objects.filter(pk=1).update(rewards_referrals=False)
    data = front_desk_api.get(f"/api/v1/clients/{rich_customer.pk}/rewards/").json()
    assert (data["redeemable_points"], data["redeemable_value"], data["can_redeem"]) == (
        1000,
        "10.00",
        False,
    )


def test_client_entries_are_paginated_with_constant_queries(
    front_desk_api, manager, customer, django_assert_max_num_queries
):
    for size in (2, 12):
        while PointsEntry.objects.filter(client=customer).count() < size:
            points_adjust(client=customer, points=1, reason="x", user=manager)
        with django_assert_max_num_queries(6):
            response = front_desk_api.get(f"/api/v1/clients/{customer.pk}/rewards/entries/")
        assert response.json()["count"] == size
    first = response.json()["results"][0]
    assert set(first) >= {
        "points",
        "kind",
        "action",
        "created_at",
        "available_at",
        "memo",
        "ticket",
    }


def test_redeem_answers_201_with_the_points_payment(front_desk_api, open_ticket):
    response = front_desk_api.post(
        f"/api/v1/tickets/{open_ticket.pk}/redeem/", {"points": 500}, format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["method"], data["amount"], data["points"]) == ("points", "5.00", 500)
    assert set(data) == {"id", "method", "amount", "points", "created_at"}


@pytest.mark.parametrize("points", [0, -1, 1.5, "abc", 1001, None])
def test_bad_redeem_is_400_and_nothing_changes(front_desk_api, open_ticket, points):
    response = front_desk_api.post(
        f"/api/v1/tickets/{open_ticket.pk}/redeem/", {"points": points}, format="json"
    )
    assert response.status_code == 400
    assert "points" in response.json()
    assert not Payment.objects.exists()
    assert PointsEntry.objects.count() == 1


def test_redeem_while_paused_below_minimum_on_walk_in_closed_or_at_total_is_400(
    front_desk_api, manager, open_ticket
):
    url = f"/api/v1/tickets/{open_ticket.pk}/redeem/"
    LoyaltySettings.objects.filter(pk=1).update(min_redemption_dollars=0)
    assert front_desk_api.post(url, {"points": 100}, format="json").status_code == 400
    LoyaltySettings.objects.filter(pk=1).update(min_redemption_dollars=20)
    assert front_desk_api.post(url, {"points": 100}, format="json").status_code == 400
    LoyaltySettings.objects.filter(pk=1).update(min_redemption_dollars=5)
    points_adjust(client=open_ticket.client, points=20000, reason="x", user=manager)
    at_total = front_desk_api.post(url, {"points": 10000}, format="json")
    assert at_total.status_code == 400
    walk_in = ticket_open()
    ticket_add_line(ticket=walk_in, item=ItemFactory(price=Decimal("100.00")))
    assert (
        front_desk_api.post(
            f"/api/v1/tickets/{walk_in.pk}/redeem/", {"points": 100}, format="json"
        ).status_code
        == 400
    )
    payment_add(ticket=open_ticket, method="cash", amount=Decimal("100.00"))
    ticket_close(ticket=open_ticket)
    assert front_desk_api.post(url, {"points": 100}, format="json").status_code == 400
    assert not Payment.objects.filter(method="points").exists()


def test_my_rewards_for_a_client_app_user(app_user_api, customer, manager):
    points_adjust(client=customer, points=700, reason="x", user=manager)
    other = ClientFactory()
    points_adjust(client=other, points=5, reason="x", user=manager)
    assert app_user_api.get("/api/v1/me/rewards/").json()["redeemable_points"] == 700
    entries = app_user_api.get("/api/v1/me/rewards/entries/").json()
    assert [entry["points"] for entry in entries["results"]] == [700]


def test_client_app_user_is_refused_staff_endpoints(app_user_api, customer):
    assert app_user_api.get(f"/api/v1/clients/{customer.pk}/rewards/").status_code == 403
    assert app_user_api.get("/api/v1/loyalty/rules/").status_code == 403


def test_staff_without_client_gets_403_on_me_rewards(front_desk_api):
    assert front_desk_api.get("/api/v1/me/rewards/").status_code == 403


def test_redeem_retried_with_the_same_idempotency_key_redeems_once(front_desk_api, open_ticket):
    """SPEC §11 Idempotency-Key: a retried redeem replays the first answer (R13)."""
    url = f"/api/v1/tickets/{open_ticket.pk}/redeem/"
    headers = {"HTTP_IDEMPOTENCY_KEY": "5f0c2a4e-redeem"}
    first = front_desk_api.post(url, {"points": 500}, format="json", **headers)
    again = front_desk_api.post(url, {"points": 500}, format="json", **headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Payment.objects.filter(method="points").count() == 1
    assert PointsEntry.objects.filter(kind="redeem").count() == 1


def test_adjustment_retried_with_the_same_idempotency_key_adjusts_once(manager_api, customer):
    headers = {"HTTP_IDEMPOTENCY_KEY": "adjust-1"}
    body = {"client": customer.pk, "points": 150, "reason": "Birthday"}
    for _ in range(2):
        assert (
            manager_api.post("/api/v1/loyalty/adjustments/", body, format="json", **headers)
        ).status_code == 201
    assert PointsEntry.objects.filter(client=customer).count() == 1


def test_a_keyed_adjustment_of_a_merged_client_is_refused_stored_and_writes_nothing(
    manager_api, customer
):  # R17, R74: the refusal comes from inside the adjustment's transaction
    duplicate = ClientFactory()
    Client.objects.filter(pk=duplicate.pk).update(merged_into=customer)
    headers = {"HTTP_IDEMPOTENCY_KEY": "adjust-tombstone"}
    body = {"client": duplicate.pk, "points": 150, "reason": "Birthday"}
    refused = manager_api.post("/api/v1/loyalty/adjustments/", body, format="json", **headers)
    again = manager_api.post("/api/v1/loyalty/adjustments/", body, format="json", **headers)
    assert refused.status_code == again.status_code == 400
    assert refused.json()["code"] == "client_merged"
    assert again.content == refused.content
    assert again["Idempotent-Replayed"] == "true"
    assert not PointsEntry.objects.filter(client=duplicate).exists()
    assert not PointsBalance.objects.filter(client=duplicate).exists()


def test_r1_r2_money_is_a_decimal_string_and_points_are_integers(front_desk_api, rich_customer):
    """R1: money is Decimal, a string in the API; R2: points are ints, 1 point = $0.01."""
    data = front_desk_api.get(f"/api/v1/clients/{rich_customer.pk}/rewards/").json()
    assert data["redeemable_value"] == "10.00"
    assert isinstance(data["redeemable_points"], int)
    rule = front_desk_api.get("/api/v1/loyalty/rules/").json()[0]
    assert rule["spend_unit"] == "1.00"
    assert client_rewards_summary(client=rich_customer).redeemable_value == Decimal("10.00")
