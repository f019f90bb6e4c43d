"""Tax rates (R43): Managers define them (service, API, admin); items name one."""

from decimal import Decimal

import pytest
from django.test import Client as BrowserClient

from catalog import services
from catalog.errors import TaxPercentOutOfRange, TaxPercentTooPrecise
from catalog.models import Item, TaxRate

from .factories import ItemFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/tax-rates/"


def test_r43_a_rate_keeps_up_to_three_decimals(manager):
    rate = services.tax_rate_create(name="NYC sales tax", percent=Decimal("8.875"))
    rate.refresh_from_db()
    assert rate.percent == Decimal("8.875")
    assert str(rate) == "NYC sales tax (8.875 %)"


@pytest.mark.parametrize(
    ("percent", "error"),
    [
        ("-0.001", TaxPercentOutOfRange),
        ("100.001", TaxPercentOutOfRange),
        ("8.8751", TaxPercentTooPrecise),
    ],
)
def test_r43_percent_outside_0_to_100_or_too_precise_is_refused(manager, percent, error):
    with pytest.raises(error) as refused:
        services.tax_rate_create(name="Bad", percent=Decimal(percent))
    assert refused.value.code == error.code
    assert TaxRate.objects.count() == 0


@pytest.mark.parametrize("percent", ["0", "100", "8.875", "8.8750"])
def test_r43_bounds_and_trailing_zeros_are_accepted(manager, percent):
    rate = services.tax_rate_create(name="Ok", percent=Decimal(percent))
    assert rate.percent == Decimal(percent)


def test_r43_item_names_a_rate_and_can_stop_being_taxed(manager):
    rate = services.tax_rate_create(name="Retail", percent=Decimal("8.875"))
    item = services.item_create(
        name="Shampoo", kind="product", price=Decimal("20.00"), tax_rate=rate
    )
    assert Item.objects.get(pk=item.pk).tax_rate == rate
    services.item_update(item=item, tax_rate=services.NOT_TAXED)
    assert Item.objects.get(pk=item.pk).tax_rate is None


# --- API -------------------------------------------------------------------------------------


def test_r43_manager_creates_and_changes_a_rate(manager_api):
    response = manager_api.post(URL, {"name": "NYC", "percent": "8.875"}, format="json")
    assert response.status_code == 201
    assert response.json() == {"id": response.json()["id"], "name": "NYC", "percent": "8.875"}
    rate_url = f"{URL}{response.json()['id']}/"
    response = manager_api.patch(rate_url, {"percent": "8.5"}, format="json")
    assert response.status_code == 200
    assert response.json()["percent"] == "8.500"
    assert manager_api.get(rate_url).json()["name"] == "NYC"


@pytest.mark.parametrize(
    ("percent", "code"),
    [
        ("100.5", "tax_percent_out_of_range"),
        ("-1", "tax_percent_out_of_range"),
        ("8.8751", "tax_percent_too_precise"),
    ],
)
def test_r43_bad_percent_is_400_with_a_code(manager_api, percent, code):
    response = manager_api.post(URL, {"name": "Bad", "percent": percent}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert TaxRate.objects.count() == 0


def test_r43_front_desk_reads_rates_but_cannot_write(front_desk_api):
    TaxRate.objects.create(name="Retail", percent=Decimal("8.875"))
    response = front_desk_api.get(URL)
    assert response.status_code == 200
    assert [row["percent"] for row in response.json()["results"]] == ["8.875"]
    response = front_desk_api.post(URL, {"name": "X", "percent": "5"}, format="json")
    assert response.status_code == 403
    assert TaxRate.objects.count() == 1


def test_r43_items_api_shows_and_sets_the_rate(manager_api):
    rate = TaxRate.objects.create(name="Retail", percent=Decimal("8.875"))
    response = manager_api.post(
        "/api/v1/items/",
        {"name": "Shampoo", "kind": "product", "price": "20.00", "tax_rate": rate.pk},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["tax_rate"] == rate.pk


# --- admin -----------------------------------------------------------------------------------


@pytest.fixture
def manager_browser(manager):
    browser = BrowserClient()
    browser.force_login(manager)
    return browser


def test_r43_admin_adds_a_rate_and_an_item_with_it(manager_browser):
    response = manager_browser.post(
        "/admin/catalog/taxrate/add/", {"name": "NYC sales tax", "percent": "8.875"}
    )
    assert response.status_code == 302
    rate = TaxRate.objects.get()
    item = ItemFactory(name="Shampoo", kind="product")
    response = manager_browser.post(
        f"/admin/catalog/item/{item.pk}/change/",
        {
            "name": "Shampoo",
            "kind": "product",
            "price": "20.00",
            "active": "on",
            "duration_minutes": "60",
            "tax_rate": rate.pk,
        },
    )
    assert response.status_code == 302
    assert Item.objects.get(pk=item.pk).tax_rate == rate


def test_r43_admin_shows_an_out_of_range_percent_as_a_form_error(manager_browser):
    response = manager_browser.post(
        "/admin/catalog/taxrate/add/", {"name": "Bad", "percent": "120"}
    )
    assert response.status_code == 200
    assert TaxPercentOutOfRange.message in response.content.decode()
    assert TaxRate.objects.count() == 0
