"""Whole numbers from the desk and the API: points and settings are ints (STYLE rule 8)."""

from loyalty.errors import NotAWholeNumber, NumberTooSmall
from salon.limits import NotAPlainNumber, plain_decimal


def whole_number(value, *, field: str, minimum: int) -> int:
    """An int >= minimum from an int or an integral Decimal/str; anything else is a 400."""
    if isinstance(value, bool):
        raise NotAWholeNumber(field=field)
    try:
        number = plain_decimal(value, field=field)  # R76: no " 5 ", "1e3" or Arabic-Indic digits
    except NotAPlainNumber:
        raise NotAWholeNumber(field=field) from None
    if number != number.to_integral_value():
        raise NotAWholeNumber(field=field)
    if number < minimum:
        raise NumberTooSmall(f"Give a whole number of at least {minimum}.", field=field)
    return int(number)
