"""The API of tiers, promotions, manual placement and the rewards box's tier (R61, R62, §18)."""

from decimal import Decimal

import pytest

from catalog.models import ItemKind
from loyalty.models import Promotion, Tier, TierChange
from tests.loyalty.factories import closed_ticket

pytestmark = pytest.mark.django_db


def test_tiers_crud_manager_writes_staff_reads(manager_api, front_desk_api):
    answer = manager_api.post(
        "/api/v1/loyalty/tiers/",
        {"name": "Silver", "min_spend": "1000.00", "multiplier": "1.25"},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    silver = answer.json()
    assert silver == {
        "id": silver["id"],
        "name": "Silver",
        "min_spend": "1000.00",
        "keep_spend": "1000.00",
        "multiplier": "1.25",
    }
    assert front_desk_api.get("/api/v1/loyalty/tiers/").json() == [silver]
    refused = front_desk_api.post("/api/v1/loyalty/tiers/", {"name": "Gold"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    bad = manager_api.patch(
        f"/api/v1/loyalty/tiers/{silver['id']}/", {"keep_spend": "2000.00"}, format="json"
    )
    assert bad.status_code == 400 and "keep_spend" in bad.json()
    assert Tier.objects.get().keep_spend == Decimal("1000.00")
    changed = manager_api.patch(
        f"/api/v1/loyalty/tiers/{silver['id']}/", {"keep_spend": "800.00"}, format="json"
    )
    assert changed.json()["keep_spend"] == "800.00"
    assert manager_api.delete(f"/api/v1/loyalty/tiers/{silver['id']}/").status_code == 204


def test_promotions_crud_and_codes(manager_api, front_desk_api):
    body = {
        "name": "Double week",
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-07",
        "actions": ["service_purchase"],
        "multiplier": "2.00",
    }
    both = manager_api.post(
        "/api/v1/loyalty/promotions/", {**body, "bonus_points": 5}, format="json"
    )
    assert both.status_code == 400 and "multiplier" in both.json()
    created = manager_api.post("/api/v1/loyalty/promotions/", body, format="json")
    assert created.status_code == 201, created.json()
    promotion = created.json()
    assert promotion["multiplier"] == "2.00" and promotion["tiers"] == []
    assert promotion["bonus_points"] is None and promotion["max_per_client"] is None
    assert front_desk_api.get("/api/v1/loyalty/promotions/").json() == [promotion]
    assert (
        front_desk_api.delete(f"/api/v1/loyalty/promotions/{promotion['id']}/").status_code == 403
    )
    patched = manager_api.patch(
        f"/api/v1/loyalty/promotions/{promotion['id']}/",
        {"multiplier": None, "bonus_points": 100, "max_per_client": 2},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["bonus_points"], patched.json()["multiplier"]) == (100, None)
    assert manager_api.delete(f"/api/v1/loyalty/promotions/{promotion['id']}/").status_code == 204
    assert not Promotion.objects.exists()


def test_manual_placement_and_rewards_box(manager_api, front_desk_api, customer):
    silver = Tier.objects.create(
        name="Silver",
        min_spend=Decimal("1000.00"),
        keep_spend=Decimal("1000.00"),
        multiplier=Decimal("1.25"),
    )
    Tier.objects.create(
        name="Gold",
        min_spend=Decimal("2500.00"),
        keep_spend=Decimal("2500.00"),
        multiplier=Decimal("1.50"),
    )
    closed_ticket(customer=customer, lines=[(ItemKind.SERVICE, Decimal("300.00"))])
    url = f"/api/v1/clients/{customer.pk}/tier/"
    assert (
        front_desk_api.post(url, {"tier": silver.pk, "reason": "VIP"}, format="json").status_code
        == 403
    )
    no_reason = manager_api.post(url, {"tier": silver.pk, "reason": ""}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    placed = manager_api.post(url, {"tier": silver.pk, "reason": "Owner's friend"}, format="json")
    assert placed.status_code == 200, placed.json()
    box = front_desk_api.get(f"/api/v1/clients/{customer.pk}/rewards/").json()
    assert box["tier"] == {"id": silver.pk, "name": "Silver", "multiplier": "1.25"}
    assert box["qualifying_spend"] == "300.00"
    assert box["next_tier"] == {"name": "Gold", "spend_needed": "2200.00"}
    assert placed.json()["tier"] == box["tier"]
    assert TierChange.objects.get().reason == "Owner's friend"


def test_settings_gain_tier_and_birthday_fields(manager_api):
    answer = manager_api.patch(
        "/api/v1/loyalty/settings/",
        {"tier_window_days": 180, "tier_validity_days": 90, "birthday_points": 500},
        format="json",
    )
    assert answer.status_code == 200
    assert {
        k: answer.json()[k] for k in ("tier_window_days", "tier_validity_days", "birthday_points")
    } == {
        "tier_window_days": 180,
        "tier_validity_days": 90,
        "birthday_points": 500,
    }
    refused = manager_api.patch("/api/v1/loyalty/settings/", {"tier_window_days": 0}, format="json")
    assert refused.status_code == 400 and "tier_window_days" in refused.json()
