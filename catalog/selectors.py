"""Reads on the catalog (R29)."""

from django.db.models import QuerySet

from .models import Item, TaxRate


def item_list(
    *, kind: str | None = None, search: str | None = None, active: bool | None = None
) -> QuerySet[Item]:
    """Items by kind, name (partial, case-insensitive) and active flag."""
    items = Item.objects.select_related("tax_rate")
    if kind:
        items = items.filter(kind=kind)
    if search:
        items = items.filter(name__icontains=search.strip())
    if active is not None:
        items = items.filter(active=active)
    return items


def tax_rate_list() -> QuerySet[TaxRate]:
    """Every tax rate, by name (R43)."""
    return TaxRate.objects.all()
