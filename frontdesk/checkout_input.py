"""What the desk types on the checkout screen, read into the figures the services take.
A typo is refused here in words (400, nothing changed); the rules stay in the services."""

import re
from decimal import Decimal

from catalog.models import Item
from clients.models import Client
from salon.errors import DomainError
from staff.models import Staff

PLAIN_AMOUNT = re.compile(r"[0-9]{1,5}(\.[0-9]{1,2})?", re.ASCII)


def money(value: str, *, field: str, label: str) -> Decimal | None:
    """A typed amount, or None when left empty; anything else is the desk's typo (400)."""
    value = (value or "").strip().removeprefix("$")
    if not value:
        return None
    # Plain figures only (R76): no exponent, sign or digits of other scripts.
    if not PLAIN_AMOUNT.fullmatch(value):
        raise DomainError(f"{label} must be an amount such as 12.50.", field=field)
    return Decimal(value)


def whole(value: str, *, field: str, label: str, default: int | None = None) -> int | None:
    value = (value or "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()):
        raise DomainError(f"{label} must be a whole number.", field=field)
    return int(value)


def _chosen_id(value: str) -> int | None:
    value = value or ""
    return int(value) if value.isascii() and value.isdigit() else None


def item_chosen(value: str) -> Item | None:
    """The item picked in the form; tickets' service refuses an inactive one in words."""
    item_id = _chosen_id(value)
    return None if item_id is None else Item.objects.filter(pk=item_id).first()


def staff_chosen(value: str) -> Staff | None:
    """The staff member picked, None for "no one"; tickets' services refuse an inactive
    one in words (R41, R45)."""
    staff_id = _chosen_id(value)
    if staff_id is None:
        return None
    staff = Staff.objects.filter(pk=staff_id).first()
    if staff is None:
        raise DomainError("Choose a staff member from the list.", field="staff")
    return staff


def client_chosen(value: str) -> Client:
    client_id = _chosen_id(value)
    client = None if client_id is None else Client.objects.filter(pk=client_id).first()
    if client is None:
        raise DomainError("Choose a client from the list.", field="client")
    return client


def line_figures(data) -> dict:
    """Quantity, price (None: the item's) and discount of the line form, as the tickets
    services take them."""
    discount = money(data.get("discount"), field="discount", label="The discount")
    percent = data.get("discount_kind") == "percent"
    return {
        "quantity": whole(data.get("quantity"), field="quantity", label="Quantity", default=1),
        "unit_price": money(data.get("unit_price"), field="unit_price", label="The price"),
        "discount_amount": None if percent else discount,
        "discount_percent": discount if percent else None,
    }
