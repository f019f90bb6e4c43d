"""Strict input (R76, amends R32): the limits and the one parser of plain decimal numbers,
shared by the API (salon/api/fields.py, salon/api/parsers.py), the services and admin.

Plain means what a person types on a till: optional minus, ASCII digits, an optional
point and more digits. No exponent ("1e3"), no surrounding spaces (" 5 "), no digits of
other scripts (Arabic-Indic), no NaN or Infinity: Python's Decimal() accepts all of
these."""

import re
from decimal import Decimal

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator

from salon.errors import DomainError

MONEY_MAX = Decimal("99999.99")  # a unit price, a payment or a tip
QUANTITY_MIN, QUANTITY_MAX = 1, 999
NOTES_MAX_LENGTH = 2000  # a client's notes, a feedback comment
REASON_MAX_LENGTH = 500  # why a closed ticket, a line or a balance was changed
JSON_BODY_MAX_BYTES = 1024 * 1024
JSON_MAX_DEPTH = 32

_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")

money_validators = [MinValueValidator(Decimal("0.00")), MaxValueValidator(MONEY_MAX)]
quantity_validators = [MinValueValidator(QUANTITY_MIN), MaxValueValidator(QUANTITY_MAX)]
notes_validators = [MaxLengthValidator(NOTES_MAX_LENGTH)]
reason_validators = [MaxLengthValidator(REASON_MAX_LENGTH)]


class NotAPlainNumber(DomainError):
    code = "not_a_plain_number"
    message = "Give a plain decimal number such as 12.50 (no exponent, no spaces)."


class ExponentNumber(Decimal):
    """A JSON number written with an exponent (1e3): salon/api/parsers.py keeps the mark so
    that a money or points field can refuse it, where a plain float would have lost it."""


def plain_decimal(value, *, field: str) -> Decimal:
    """`value` as a Decimal when it is a plain decimal number (an int, a Decimal parsed from
    plain JSON, or a string of one); anything else is NotAPlainNumber naming `field`."""
    if isinstance(value, bool | float | ExponentNumber):
        raise NotAPlainNumber(field=field)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotAPlainNumber(field=field)
        return value
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value):
        return Decimal(value)
    raise NotAPlainNumber(field=field)
