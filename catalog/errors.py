"""The catalog's refusals (R71): one class per broken rule, each with its code."""

from salon.errors import DomainError


class TaxPercentOutOfRange(DomainError):
    code = "tax_percent_out_of_range"
    message = "A tax rate is a percent from 0 to 100."


class TaxPercentTooPrecise(DomainError):
    code = "tax_percent_too_precise"
    message = "A tax rate has at most 3 decimals (8.875 %)."


class TaxRateNameMissing(DomainError):
    code = "tax_rate_name_missing"
    message = "Give the tax rate a name."
