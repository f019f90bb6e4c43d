"""What the catalog services refuse, one class per broken rule (R71, salon/errors.py)."""

from catalog.models import MAX_DURATION_MINUTES
from salon.errors import DomainError


class PriceNotExact(DomainError):
    code = "price_not_exact"
    message = "Give an exact decimal price."


class InvalidPrice(DomainError):
    code = "invalid_price"
    message = "Give a valid price."


class NegativePrice(DomainError):
    """An item's price and a ticket line's unit price alike (tickets imports this one)."""

    code = "negative_price"
    message = "A price can't be negative."


class ItemInactive(DomainError):
    """An inactive item is neither booked (appointments) nor sold (tickets); the message
    names the item."""

    code = "item_inactive"
    message = "This item is no longer offered."


class UnknownItemKind(DomainError):
    code = "unknown_item_kind"
    message = "Unknown kind of item."


class ItemNameRequired(DomainError):
    code = "item_name_required"
    message = "Give the item a name."


class InvalidDuration(DomainError):
    """A service's length and a booking's alike (catalog.services.duration_check)."""

    code = "invalid_duration"
    message = f"A duration is a whole number of minutes from 1 to {MAX_DURATION_MINUTES}."


class TaxPercentOutOfRange(DomainError):
    code = "tax_percent_out_of_range"
    message = "A tax rate is a percent from 0 to 100."


class TaxPercentTooPrecise(DomainError):
    code = "tax_percent_too_precise"
    message = "A tax rate has at most 3 decimals (8.875 %)."


class TaxRateNameMissing(DomainError):
    code = "tax_rate_name_missing"
    message = "Give the tax rate a name."
