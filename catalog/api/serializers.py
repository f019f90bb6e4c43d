from rest_framework import serializers

from catalog.models import Item, ItemKind
from salon.api.fields import money_field


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "name", "kind", "price", "active", "duration_minutes"]
        read_only_fields = fields


class ItemCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    price = money_field(min_value=0)
    active = serializers.BooleanField(default=True)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, default=60)
