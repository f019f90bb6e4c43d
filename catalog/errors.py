"""What the catalog services refuse, one class per broken rule (R71, salon/errors.py)."""

from salon.errors import DomainError


class PriceNotExact(DomainError):
    code = "price_not_exact"
    message = "Give an exact decimal price."


class InvalidPrice(DomainError):
    code = "invalid_price"
    message = "Give a valid price."


class NegativeItemPrice(DomainError):
    code = "negative_price"
    message = "A price can't be negative."


class UnknownItemKind(DomainError):
    code = "unknown_item_kind"
    message = "Unknown kind of item."


class ItemNameRequired(DomainError):
    code = "item_name_required"
    message = "Give the item a name."


class InvalidDuration(DomainError):
    code = "invalid_duration"
    message = "A service lasts a whole number of minutes, at least 1."
