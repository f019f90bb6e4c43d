"""Serializer fields of strict input (R76), one definition each for every app's API."""

from rest_framework import serializers

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


def money_field(**kwargs) -> StrictDecimalField:
    """A unit price, payment or tip: 0 to 99,999.99, in cents (R76)."""
    kwargs.setdefault("max_value", MONEY_MAX)
    return StrictDecimalField(max_digits=12, decimal_places=2, **kwargs)


def percent_field(**kwargs) -> StrictDecimalField:
    return StrictDecimalField(max_digits=5, decimal_places=2, **kwargs)


def quantity_field(**kwargs) -> StrictIntegerField:
    """How many of an item on a line: 1 to 999 (R76)."""
    return StrictIntegerField(min_value=QUANTITY_MIN, max_value=QUANTITY_MAX, **kwargs)
