"""GET/POST /api/v1/items/ (R29, SPEC §10, §11)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalog.models import Item
from tests.accounts.factories import UserFactory

from .factories import ItemFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/items/"


def test_staff_list_items_with_filters(front_desk_api, django_assert_max_num_queries):
    ItemFactory(name="Haircut", kind="service", price=Decimal("45.00"))
    ItemFactory(name="Shampoo", kind="product", price=Decimal("12.50"))
    ItemFactory(name="Gone", kind="product", active=False)
    with django_assert_max_num_queries(3):
        response = front_desk_api.get(URL)
    assert response.status_code == 200
    assert response.data["count"] == 3
    response = front_desk_api.get(URL, {"kind": "product", "active": "true"})
    assert [row["name"] for row in response.data["results"]] == ["Shampoo"]
    assert response.data["results"][0] == {
        "id": response.data["results"][0]["id"],
        "name": "Shampoo",
        "kind": "product",
        "price": "12.50",
        "active": True,
        "duration_minutes": 60,
        "tax_rate": None,
    }
    response = front_desk_api.get(URL, {"search": "hair"})
    assert [row["name"] for row in response.data["results"]] == ["Haircut"]


def test_manager_creates_an_item(manager_api):  # R29
    response = manager_api.post(
        URL, {"name": "Day spa", "kind": "day_package", "price": "150.00"}, format="json"
    )
    assert response.status_code == 201
    assert response.data["price"] == "150.00"
    assert Item.objects.get(pk=response.data["id"]).kind == "day_package"
    assert response.data["duration_minutes"] == 60


def test_manager_creates_a_service_with_its_duration(manager_api):  # R42
    response = manager_api.post(
        URL,
        {"name": "Balayage", "kind": "service", "price": "180.00", "duration_minutes": 150},
        format="json",
    )
    assert response.status_code == 201
    assert Item.objects.get(pk=response.data["id"]).duration_minutes == 150


def test_front_desk_cannot_create_an_item(front_desk_api):  # §10
    response = front_desk_api.post(
        URL, {"name": "Cut", "kind": "service", "price": "10.00"}, format="json"
    )
    assert response.status_code == 403
    assert Item.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Cut", "kind": "service", "price": "-1.00"}, "price"),
        ({"name": "Cut", "kind": "voucher", "price": "1.00"}, "kind"),
        ({"kind": "service", "price": "1.00"}, "name"),
        ({"name": "Cut", "kind": "service", "price": "1.005"}, "price"),
        (
            {"name": "Cut", "kind": "service", "price": "1.00", "duration_minutes": 0},
            "duration_minutes",
        ),
    ],
)
def test_bad_item_is_400(manager_api, body, field):  # R32
    response = manager_api.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert Item.objects.count() == 0


def test_anonymous_401_and_non_staff_403(anonymous_api):
    assert anonymous_api.get(URL).status_code == 401
    api = APIClient()
    api.force_authenticate(UserFactory())
    assert api.get(URL).status_code == 403
