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


class TaxPercentOutOfRange(DomainError):
    code = "tax_percent_out_of_range"
    message = "A tax rate is a percent from 0 to 100."


class TaxPercentTooPrecise(DomainError):
    code = "tax_percent_too_precise"
    message = "A tax rate has at most 3 decimals (8.875 %)."


class TaxRateNameMissing(DomainError):
    code = "tax_rate_name_missing"
    message = "Give the tax rate a name."
