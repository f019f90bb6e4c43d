"""Catalog items (R29)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog import selectors, services
from catalog.models import Item, ItemKind
from salon.errors import DomainError

from .factories import ItemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ItemKind.values)
def test_create_an_item_of_each_kind(kind):  # R29
    item = services.item_create(name=" Haircut ", kind=kind, price=Decimal("45.50"))
    item.refresh_from_db()
    assert (item.name, item.kind, item.price, item.active) == (
        "Haircut",
        kind,
        Decimal("45.50"),
        True,
    )


def test_free_item_is_allowed():
    assert services.item_create(name="Consult", kind="service", price=Decimal("0")).price == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"price": Decimal("-0.01")}, "price"),
        ({"price": 3.5}, "price"),
        ({"price": "abc"}, "price"),
        ({"kind": "voucher"}, "kind"),
        ({"name": "  "}, "name"),
    ],
)
def test_bad_item_is_refused(kwargs, field):  # R32
    values = {"name": "Cut", "kind": "service", "price": Decimal("10.00"), **kwargs}
    with pytest.raises(DomainError) as error:
        services.item_create(**values)
    assert error.value.field == field
    assert Item.objects.count() == 0


@pytest.mark.parametrize("minutes", [0, 24 * 60 + 1, True, "60"])
def test_a_duration_is_whole_minutes_up_to_a_day(minutes):  # R42, #12: one rule with bookings
    with pytest.raises(DomainError) as error:
        services.item_create(
            name="Cut", kind="service", price=Decimal("10"), duration_minutes=minutes
        )
    assert (error.value.code, error.value.field) == ("invalid_duration", "duration_minutes")
    assert Item.objects.count() == 0
    longest = services.item_create(
        name="Cut", kind="service", price=Decimal("10"), duration_minutes=24 * 60
    )
    assert longest.duration_minutes == 24 * 60


def test_price_with_three_decimals_is_refused():  # R1
    with pytest.raises(ValidationError) as error:
        services.item_create(name="Cut", kind="service", price=Decimal("1.005"))
    assert "price" in error.value.message_dict


def test_update_an_item():
    item = ItemFactory(price=Decimal("10.00"))
    services.item_update(item=item, price=Decimal("12.00"), active=False)
    item.refresh_from_db()
    assert (item.price, item.active) == (Decimal("12.00"), False)
    with pytest.raises(DomainError):
        services.item_update(item=item, price=Decimal("-1"))
    item.refresh_from_db()
    assert item.price == Decimal("12.00")


def test_item_list_filters():
    cut = ItemFactory(name="Haircut", kind="service")
    ItemFactory(name="Shampoo", kind="product")
    ItemFactory(name="Old haircut", kind="service", active=False)
    assert list(selectors.item_list(kind="service", search="HAIR", active=True)) == [cut]
    assert selectors.item_list(search="hair").count() == 2
    assert selectors.item_list().count() == 3
