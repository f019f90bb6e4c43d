"""Serializer fields of strict input (R76), one definition each for every app's API."""

from decimal import Decimal

from rest_framework import serializers
from rest_framework.utils import html

from salon.api.query import read_boolean
from salon.limits import (
    MONEY_MAX,
    QUANTITY_MAX,
    QUANTITY_MIN,
    NotAPlainNumber,
    plain_decimal,
)


class StrictDecimalField(serializers.DecimalField):
    """DRF's DecimalField reads str(value).strip() with Decimal(), which takes " 5 ", "1e3"
    and Arabic-Indic digits: only a plain decimal number gets through here
    (salon.limits.plain_decimal)."""

    def to_internal_value(self, data):
        try:
            number = plain_decimal(data, field=self.field_name)
        except NotAPlainNumber as refused:
            raise serializers.ValidationError(refused.message, code=refused.code) from None
        return super().to_internal_value(number)


class StrictIntegerField(serializers.IntegerField):
    """A whole number given as a plain integer (5, 5.0 or "5"); a plain number that is not
    whole, or anything plain_decimal refuses, is a 400. Huge values meet max_value, never
    the arithmetic that made 10^26 a 500."""

    def to_internal_value(self, data):
        try:
            number = plain_decimal(data, field=self.field_name)
        except NotAPlainNumber as refused:
            raise serializers.ValidationError(refused.message, code=refused.code) from None
        if number != number.to_integral_value():
            self.fail("invalid")
        return super().to_internal_value(int(number))


def refuse_numbers_as_text() -> None:
    """R76: text is a JSON string. DRF's CharField takes a number and keeps its digits
    (`{"name": 0}` renamed a tax rate "0", found by the long fuzzing run, while the schema
    says a string). Every text field of every app's API derives from CharField, so the
    check is made there, once, at start-up (SalonConfig.ready)."""
    lenient = serializers.CharField.to_internal_value

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return lenient(self, data)

    serializers.CharField.to_internal_value = to_internal_value


def refuse_other_values_as_booleans() -> None:
    """R76: in a JSON body a boolean is true or false. DRF's BooleanField also reads 0, 1,
    "yes", "0"... (`PATCH /me/ {"sms_consent": 0}` answered 200, found by the client app's
    long fuzzing run, while the schema says a boolean). A form or multipart body has only
    text, so there "true"/"false" still count, read as query parameters are
    (salon.api.query.read_boolean: not "1", "yes" or "on" — a multipart `is_profile_photo`
    the schema's boolean forbids was taken, found by the long fuzzing run); a number is
    never a boolean."""
    lenient = serializers.BooleanField.to_internal_value
    lenient_get_value = serializers.BooleanField.get_value

    def get_value(self, dictionary):
        # DRF reads a form's empty value as absent (so false): given, it must be true or false.
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return ""
        return lenient_get_value(self, dictionary)

    def to_internal_value(self, data):
        if isinstance(data, str) and _sent_as_form(self):
            try:
                return read_boolean(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, bool):
            self.fail("invalid")
        return lenient(self, data)

    serializers.BooleanField.to_internal_value = to_internal_value
    serializers.BooleanField.get_value = get_value


def _sent_as_form(field) -> bool:
    request = field.context.get("request")
    return request is None or not request.content_type.startswith("application/json")


class IdField(serializers.IntegerField):
    """Another object's id, looked up by the view itself (a miss is its own refusal): an id
    in the schema (salon/api/schema.py)."""


# What the schema declares a request may send (salon/api/schema.py): the plain numbers the
# field and its rules accept, so that a client generator and a fuzzer send amounts the API
# takes. The rules still refuse a negative amount with their own code (R76). Class
# attributes: DRF deep-copies a serializer's fields from their arguments only.
class AmountField(StrictDecimalField):
    """An amount a request gives as a JSON number or a string of one (R76): the schema
    declares both (`amount_request_schema`), within `request_bounds` and, as text,
    `request_pattern`."""

    request_pattern: str
    request_bounds: tuple[Decimal, Decimal]


class MoneyField(AmountField):
    request_pattern = r"^\d{1,5}(?:\.\d{1,2})?$"
    request_bounds = (Decimal("0"), MONEY_MAX)


class SignedMoneyField(AmountField):
    request_pattern = r"^-?\d{1,5}(?:\.\d{1,2})?$"
    request_bounds = (-MONEY_MAX, MONEY_MAX)


class PercentField(AmountField):
    """A line's discount percent."""

    request_pattern = r"^\d{1,3}(?:\.\d{1,2})?$"
    request_bounds = (Decimal("0"), Decimal("999.99"))


class TaxPercentField(AmountField):
    """A tax rate's percent: 0 to 100, up to 3 places (catalog.services.tax_percent's rule,
    which refuses the rest with its own codes)."""

    request_pattern = r"^(?:100(?:\.0{1,3})?|\d{1,2}(?:\.\d{1,3})?)$"
    request_bounds = (Decimal("0"), Decimal("100"))


def amount_request_schema(field: AmountField) -> dict:
    """R76 takes an amount as a JSON number or a decimal string: the schema says both, one
    rule for every money and percent field (`{"percent": 0}` was declared a string only,
    so a fuzzer took the API's answer 200 for a schema violation)."""
    low, high = field.request_bounds
    return {
        "oneOf": [
            {"type": "number", "minimum": float(low), "maximum": float(high)},
            {"type": "string", "pattern": field.request_pattern},
        ]
    }


def money_field(*, signed: bool = False, **kwargs) -> StrictDecimalField:
    """A unit price, payment or tip: 0 to 99,999.99, in cents (R76); `signed` where a
    negative amount is a refund."""
    kwargs.setdefault("max_value", MONEY_MAX)
    field_class = SignedMoneyField if signed else MoneyField
    return field_class(max_digits=12, decimal_places=2, **kwargs)


def percent_field(**kwargs) -> StrictDecimalField:
    return PercentField(max_digits=5, decimal_places=2, **kwargs)


def quantity_field(**kwargs) -> StrictIntegerField:
    """How many of an item on a line: 1 to 999 (R76)."""
    return StrictIntegerField(min_value=QUANTITY_MIN, max_value=QUANTITY_MAX, **kwargs)
