"""Whole numbers from the desk and the API: points and settings are ints (STYLE rule 8)."""

from decimal import Decimal, InvalidOperation

from loyalty.errors import NotAWholeNumber, NumberTooSmall


def whole_number(value, *, field: str, minimum: int) -> int:
    """An int >= minimum from an int or an integral Decimal/str; anything else is a 400."""
    if isinstance(value, bool):
        raise NotAWholeNumber(field=field)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise NotAWholeNumber(field=field) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise NotAWholeNumber(field=field)
    if number < minimum:
        raise NumberTooSmall(f"Give a whole number of at least {minimum}.", field=field)
    return int(number)
