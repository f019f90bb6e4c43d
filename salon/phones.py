"""A phone as typed, read once for every app (R24): clients store it, messaging texts it and
accounts signs up with it. Clients and messaging may not import each other, so the rule
lives here, below both."""

import phonenumbers
from phonenumber_field.phonenumber import PhoneNumber

from salon.errors import InvalidPhone


def phone_parse(value, *, field: str = "phone") -> PhoneNumber | None:
    """Parse a phone as typed (national format uses PHONENUMBER_DEFAULT_REGION), refusing
    an invalid number (R24); blank is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, PhoneNumber):
        number = value
    else:
        try:
            number = PhoneNumber.from_string(str(value).strip())
        except phonenumbers.NumberParseException:
            number = None
    if number is None or not number.is_valid():
        raise InvalidPhone(field=field)
    return number
