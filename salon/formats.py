"""How the desk reads values the database keeps in machine form (issue #14, plain English)."""

import phonenumbers
from django.conf import settings


def phone_display(value) -> str:
    """A phone as the desk dials it: national format for the salon's own country
    ("(202) 555-0101"), international otherwise ("+44 20 7946 0958"); "" for none. Phones
    stay E.164 in the database and on the wire (R24)."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(str(value), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return str(value)
    own_country = phonenumbers.region_code_for_number(number) == settings.PHONENUMBER_DEFAULT_REGION
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if own_country
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
