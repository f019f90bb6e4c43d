from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from loyalty.models import Action, EarningRule, LoyaltySettings, PointsEntry
from tickets.models import Payment


@extend_schema_field(OpenApiTypes.INT)
class WholeNumberField(serializers.JSONField):
    """Passed to the service as given, so that 0, -1, 1.5 or "abc" get the service's one
    clear message naming the field (R20, SPEC §3)."""


@extend_schema_field(OpenApiTypes.DECIMAL)
class DollarsField(serializers.JSONField):
    """Dollars as a string ("100.00") or a number; judged by the service."""


class EarningRuleSerializer(serializers.ModelSerializer):
    """A row of the configuration table; NA cells are null (SPEC §3)."""

    label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = EarningRule
        fields = ["action", "label", "active", "points", "spend_unit", "referrer_points"]
        read_only_fields = fields


class EarningRuleChangeSerializer(serializers.Serializer):
    """Input of PATCH …/rules/{action}/: only types here; the service judges values and NA."""

    active = serializers.BooleanField(required=False)
    points = WholeNumberField(required=False)
    spend_unit = DollarsField(required=False, allow_null=True)
    referrer_points = WholeNumberField(required=False, allow_null=True)


class LoyaltySettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = LoyaltySettings
        fields = ["min_redemption_dollars", "hold_hours"]
        read_only_fields = fields


class LoyaltySettingsChangeSerializer(serializers.Serializer):
    min_redemption_dollars = WholeNumberField(required=False)
    hold_hours = WholeNumberField(required=False)


class AdjustmentSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    points = WholeNumberField()
    reason = serializers.CharField(allow_blank=True, trim_whitespace=True)


class ActionOrNullField(serializers.ChoiceField):
    """An entry's earning action; null for entries no action earned (a redemption, an
    adjustment), which the model stores as "" (R72: "" is not one of the enum's values)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Action.choices, allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value):
        return value or None


class PointsEntrySerializer(serializers.ModelSerializer):
    action = ActionOrNullField()

    class Meta:
        model = PointsEntry
        fields = [
            "id",
            "client",
            "points",
            "kind",
            "action",
            "created_at",
            "available_at",
            "memo",
            "ticket",
        ]
        read_only_fields = fields


class RewardsSerializer(serializers.Serializer):
    """The rewards box (R28): value as string dollars (R1)."""

    pending_points = serializers.IntegerField()
    redeemable_points = serializers.IntegerField()
    redeemable_value = serializers.DecimalField(max_digits=12, decimal_places=2)
    min_redemption_points = serializers.IntegerField()
    can_redeem = serializers.BooleanField()


class RedeemSerializer(serializers.Serializer):
    points = WholeNumberField()


class PointsPaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "method", "amount", "points", "created_at"]
        read_only_fields = fields
