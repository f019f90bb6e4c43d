"""Whole numbers from the desk and the API: points and settings are ints (STYLE rule 8)."""

from salon.errors import DomainError
from salon.limits import NotAPlainNumber, plain_decimal


def whole_number(value, *, field: str, minimum: int) -> int:
    """An int >= minimum from an int or an integral Decimal/str; anything else is a 400."""
    if isinstance(value, bool):
        raise DomainError("Give a whole number.", field=field)
    try:
        number = plain_decimal(value, field=field)  # R76: no " 5 ", "1e3" or Arabic-Indic digits
    except NotAPlainNumber:
        raise DomainError("Give a whole number.", field=field) from None
    if number != number.to_integral_value():
        raise DomainError("Give a whole number.", field=field)
    if number < minimum:
        raise DomainError(f"Give a whole number of at least {minimum}.", field=field)
    return int(number)
