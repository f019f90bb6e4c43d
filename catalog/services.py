"""Writes on the catalog of items sold (R29)."""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from catalog.errors import (
    InvalidDuration,
    InvalidPrice,
    ItemNameRequired,
    NegativeItemPrice,
    PriceNotExact,
    UnknownItemKind,
)

from .models import Item, ItemKind


def _price(value) -> Decimal:
    if isinstance(value, (bool, float)):
        raise PriceNotExact(field="price")
    try:
        price = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise InvalidPrice(field="price") from error
    if not price.is_finite():
        raise InvalidPrice(field="price")
    if price < 0:
        raise NegativeItemPrice(field="price")
    return price


def _validate_and_save(item: Item) -> Item:
    duration = item.duration_minutes
    if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1:
        raise InvalidDuration(field="duration_minutes")
    if item.kind not in ItemKind.values:
        raise UnknownItemKind(f"Unknown kind “{item.kind}”.", field="kind")
    item.name = (item.name or "").strip()
    if not item.name:
        raise ItemNameRequired(field="name")
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def item_create(
    *,
    name: str,
    kind: str,
    price: Decimal,
    active: bool = True,
    duration_minutes: int = 60,
    user=None,
) -> Item:
    """Add an item to the catalog; its kind decides which spend action its lines earn (R29);
    a service's duration is how long its appointments last unless given (R42)."""
    return _validate_and_save(
        Item(
            name=name,
            kind=kind,
            price=_price(price),
            active=active,
            duration_minutes=duration_minutes,
        )
    )


@transaction.atomic
def item_update(
    *,
    item: Item,
    name: str | None = None,
    kind: str | None = None,
    price: Decimal | None = None,
    active: bool | None = None,
    duration_minutes: int | None = None,
    user=None,
) -> Item:
    """Change an item. Lines already on tickets keep the price they were sold at."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    if name is not None:
        item.name = name
    if kind is not None:
        item.kind = kind
    if price is not None:
        item.price = _price(price)
    if active is not None:
        item.active = active
    if duration_minutes is not None:
        item.duration_minutes = duration_minutes
    return _validate_and_save(item)
