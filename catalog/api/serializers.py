from rest_framework import serializers

from catalog.models import MAX_DURATION_MINUTES, Item, ItemKind, TaxRate
from salon.api.fields import TaxPercentField, money_field


class TaxRateSerializer(serializers.ModelSerializer):
    """A tax rate (R43): percent as a string with 3 decimals ("8.875")."""

    class Meta:
        model = TaxRate
        fields = ["id", "name", "percent"]
        read_only_fields = fields


class TaxRateInputSerializer(serializers.Serializer):
    """The percent's range and precision are the service's rules (codes, R71); here only its
    shape: a plain decimal number."""

    name = serializers.CharField(max_length=100)
    percent = TaxPercentField(max_digits=20, decimal_places=10)


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "name", "kind", "price", "active", "duration_minutes", "tax_rate"]
        read_only_fields = fields


class ItemCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    price = money_field(min_value=0)
    active = serializers.BooleanField(default=True)
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_DURATION_MINUTES, default=60
    )
    tax_rate = serializers.PrimaryKeyRelatedField(
        queryset=TaxRate.objects.all(), required=False, allow_null=True, default=None
    )
