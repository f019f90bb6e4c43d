"""The catalog admin saves through the services (R29)."""

from decimal import Decimal

import pytest
from django.test import Client as BrowserClient

from catalog.models import Item

from .factories import ItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_browser(manager):
    browser = BrowserClient()
    browser.force_login(manager)
    return browser


def test_manager_adds_and_changes_an_item(manager_browser):
    response = manager_browser.post(
        "/admin/catalog/item/add/",
        {
            "name": "Color",
            "kind": "service",
            "price": "80.00",
            "active": "on",
            "duration_minutes": "90",
        },
    )
    assert response.status_code == 302
    item = Item.objects.get(name="Color")
    assert (item.price, item.duration_minutes) == (Decimal("80.00"), 90)
    response = manager_browser.post(
        f"/admin/catalog/item/{item.pk}/change/",
        {"name": "Color", "kind": "service", "price": "85.00", "duration_minutes": "75"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.price, item.active, item.duration_minutes) == (Decimal("85.00"), False, 75)


def test_zero_duration_shows_an_error(manager_browser):  # R42
    response = manager_browser.post(
        "/admin/catalog/item/add/",
        {"name": "Color", "kind": "service", "price": "80.00", "duration_minutes": "0"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["duration_minutes"]
    assert Item.objects.count() == 0


def test_negative_price_shows_an_error(manager_browser):
    response = manager_browser.post(
        "/admin/catalog/item/add/", {"name": "Color", "kind": "service", "price": "-1"}
    )
    assert response.status_code == 200
    assert Item.objects.count() == 0


def test_changelist_filters_and_searches(manager_browser):
    ItemFactory(name="Haircut", kind="service")
    ItemFactory(name="Shampoo", kind="product")
    response = manager_browser.get("/admin/catalog/item/", {"kind__exact": "product", "q": "sham"})
    assert response.status_code == 200
    assert [item.name for item in response.context["cl"].result_list] == ["Shampoo"]
