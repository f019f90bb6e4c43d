"""Writes on the catalog of items sold (R29)."""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from catalog.errors import (
    InvalidDuration,
    InvalidPrice,
    ItemNameRequired,
    NegativePrice,
    PriceNotExact,
    TaxPercentOutOfRange,
    TaxPercentTooPrecise,
    TaxRateNameMissing,
    UnknownItemKind,
)

from .models import MAX_DURATION_MINUTES, Item, ItemKind, TaxRate
from .signals import item_kind_changed

TAX_PERCENT_PLACES = 3
HUNDRED = Decimal("100")
# An item's tax rate is changed by giving a rate or this (None means "leave as it is").
NOT_TAXED = "not_taxed"


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
        raise NegativePrice(field="price")
    return price


def duration_check(minutes) -> None:
    """A service's or a booking's duration: whole minutes from 1 to MAX_DURATION_MINUTES."""
    whole = isinstance(minutes, int) and not isinstance(minutes, bool)
    if not (whole and 1 <= minutes <= MAX_DURATION_MINUTES):
        raise InvalidDuration(field="duration_minutes")


def _validate_and_save(item: Item) -> Item:
    duration_check(item.duration_minutes)
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
    tax_rate: TaxRate | None = None,
) -> Item:
    """Add an item to the catalog; its kind decides which spend action its lines earn (R29);
    a service's duration is how long its appointments last unless given (R42); its tax
    rate (none: not taxed) the tax its lines carry (R43)."""
    return _validate_and_save(
        Item(
            name=name,
            kind=kind,
            price=_price(price),
            active=active,
            duration_minutes=duration_minutes,
            tax_rate=tax_rate,
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
    tax_rate: TaxRate | str | None = None,
) -> Item:
    """Change an item. Lines already on tickets keep the price and the tax rate they were
    sold at (R43). `tax_rate=NOT_TAXED` stops taxing the item."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    was = item.kind
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
    if tax_rate is not None:
        item.tax_rate = None if tax_rate == NOT_TAXED else tax_rate
    item = _validate_and_save(item)
    if item.kind != was:
        item_kind_changed.send(sender=Item, item=item, was=was)
    return item


# --- tax rates (R43) -----------------------------------------------------------------------


def tax_percent(value) -> Decimal:
    """A tax percent from 0 to 100 with at most 3 decimals, exact (R43)."""
    if isinstance(value, (bool, float)):
        raise PriceNotExact("Give an exact decimal percent.", field="percent")
    try:
        percent = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise InvalidPrice("Give a valid percent.", field="percent") from error
    if not percent.is_finite():
        raise InvalidPrice("Give a valid percent.", field="percent")
    if not 0 <= percent <= HUNDRED:
        raise TaxPercentOutOfRange()
    if percent.normalize().as_tuple().exponent < -TAX_PERCENT_PLACES:
        raise TaxPercentTooPrecise()
    return percent.quantize(Decimal("0.001"))


def _save_tax_rate(tax_rate: TaxRate) -> TaxRate:
    tax_rate.name = (tax_rate.name or "").strip()
    if not tax_rate.name:
        raise TaxRateNameMissing()
    tax_rate.full_clean()
    tax_rate.save()
    return tax_rate


@transaction.atomic
def tax_rate_create(*, name: str, percent: Decimal) -> TaxRate:
    """Define a tax rate (R43, Manager)."""
    return _save_tax_rate(TaxRate(name=name, percent=tax_percent(percent)))


@transaction.atomic
def tax_rate_update(
    *, tax_rate: TaxRate, name: str | None = None, percent: Decimal | None = None
) -> TaxRate:
    """Rename a tax rate or change its percent. Lines already on tickets keep the percent
    they were sold at: the line holds its own copy (R43)."""
    tax_rate = TaxRate.objects.select_for_update().get(pk=tax_rate.pk)
    if name is not None:
        tax_rate.name = name
    if percent is not None:
        tax_rate.percent = tax_percent(percent)
    return _save_tax_rate(tax_rate)
