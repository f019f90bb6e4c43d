"""Admin for tiers, promotions and manual placement (R61, R62): every save through the
services, bad input a form error with nothing changed, plain English on the page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone

from loyalty.models import ClientTier, Promotion, Tier, TierChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_browser(manager):
    browser = BrowserClient()
    browser.force_login(manager)
    return browser


@pytest.fixture
def front_desk_browser(front_desk):
    browser = BrowserClient()
    browser.force_login(front_desk)
    return browser


def test_tier_add_and_refusal(manager_browser):
    url = "/admin/loyalty/tier/add/"
    refused = manager_browser.post(
        url,
        {"name": "Silver", "min_spend": "1000.00", "keep_spend": "1200.00", "multiplier": "1.25"},
    )
    assert refused.status_code == 200
    assert "Spend to stay can&#x27;t be more than spend to reach." in refused.content.decode()
    assert not Tier.objects.exists()
    added = manager_browser.post(
        url, {"name": "Silver", "min_spend": "1000.00", "keep_spend": "", "multiplier": "1.25"}
    )
    assert added.status_code == 302
    assert Tier.objects.get().keep_spend == Decimal("1000.00")


def test_promotions_list_shows_running_and_next(manager_browser):
    today = timezone.localdate()
    running = Promotion.objects.create(
        name="Double week",
        starts_on=today,
        ends_on=today + timedelta(days=6),
        actions=["service_purchase"],
        multiplier=Decimal("2.00"),
    )
    Promotion.objects.create(
        name="Retail bonus",
        starts_on=today + timedelta(days=10),
        ends_on=today + timedelta(days=12),
        actions=["product_purchase"],
        bonus_points=100,
    )
    page = manager_browser.get("/admin/loyalty/promotion/").content.decode()
    assert "Running now" in page and "Next" in page and "×2.00 points" in page
    only_running = manager_browser.get("/admin/loyalty/promotion/?when=running").content.decode()
    assert running.name in only_running and "Retail bonus" not in only_running


def test_promotion_add_refuses_both_multiplier_and_bonus(manager_browser):
    form = {
        "name": "Both",
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-07",
        "actions": ["service_purchase"],
        "multiplier": "2.00",
        "bonus_points": "10",
    }
    refused = manager_browser.post("/admin/loyalty/promotion/add/", form)
    assert refused.status_code == 200
    assert "not both" in refused.content.decode()
    form.pop("bonus_points")
    assert manager_browser.post("/admin/loyalty/promotion/add/", form).status_code == 302
    assert Promotion.objects.get().actions == ["service_purchase"]


def test_manual_placement_page(manager_browser, front_desk_browser, customer):
    gold = Tier.objects.create(
        name="Gold", min_spend=Decimal("2500.00"), keep_spend=Decimal("2500.00")
    )
    url = f"/admin/loyalty/clienttier/place/{customer.pk}/"
    assert front_desk_browser.get(url).status_code == 403
    missing = manager_browser.post(url, {"tier": gold.pk, "reason": ""})
    assert missing.status_code == 200 and not ClientTier.objects.exists()
    assert (
        manager_browser.post(url, {"tier": gold.pk, "reason": "Loyal for 10 years"}).status_code
        == 302
    )
    assert ClientTier.objects.get(client=customer).tier == gold
    assert TierChange.objects.get().reason == "Loyal for 10 years"
    page = manager_browser.get(f"/admin/clients/client/{customer.pk}/change/").content.decode()
    assert "Gold" in page and "Qualifying spend" in page
