"""Whole numbers from the desk and the API: points and settings are ints (STYLE rule 8)."""

from decimal import Decimal, InvalidOperation

from salon.errors import DomainError


def whole_number(value, *, field: str, minimum: int) -> int:
    """An int >= minimum from an int or an integral Decimal/str; anything else is a 400."""
    if isinstance(value, bool):
        raise DomainError("Give a whole number.", field=field)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError("Give a whole number.", field=field) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise DomainError("Give a whole number.", field=field)
    if number < minimum:
        raise DomainError(f"Give a whole number of at least {minimum}.", field=field)
    return int(number)
