from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from loyalty.models import EarningRule, LoyaltySettings, PointsEntry, Promotion, Tier
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
        fields = [
            "min_redemption_dollars",
            "hold_hours",
            "tier_window_days",
            "tier_validity_days",
            "birthday_points",
        ]
        read_only_fields = fields


class LoyaltySettingsChangeSerializer(serializers.Serializer):
    min_redemption_dollars = WholeNumberField(required=False)
    hold_hours = WholeNumberField(required=False)
    tier_window_days = WholeNumberField(required=False)
    tier_validity_days = WholeNumberField(required=False)
    birthday_points = WholeNumberField(required=False)


class AdjustmentSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    points = WholeNumberField()
    reason = serializers.CharField(allow_blank=True, trim_whitespace=True)


class PointsEntrySerializer(serializers.ModelSerializer):
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
            "promotion",
        ]
        read_only_fields = fields


class RewardsTierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    multiplier = serializers.DecimalField(max_digits=5, decimal_places=2)


class NextTierSerializer(serializers.Serializer):
    name = serializers.CharField()
    spend_needed = serializers.DecimalField(max_digits=12, decimal_places=2)


class RewardsSerializer(serializers.Serializer):
    """The rewards box (R28): value as string dollars (R1)."""

    pending_points = serializers.IntegerField()
    redeemable_points = serializers.IntegerField()
    redeemable_value = serializers.DecimalField(max_digits=12, decimal_places=2)
    min_redemption_points = serializers.IntegerField()
    can_redeem = serializers.BooleanField()
    tier = RewardsTierSerializer(allow_null=True)
    qualifying_spend = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    next_tier = NextTierSerializer(allow_null=True)


class RedeemSerializer(serializers.Serializer):
    points = WholeNumberField()


class PointsPaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "method", "amount", "points", "created_at"]
        read_only_fields = fields


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "name", "min_spend", "keep_spend", "multiplier"]
        read_only_fields = fields


class TierChangeSerializer(serializers.Serializer):
    """Input of POST/PATCH …/tiers/: only types here; the service judges values (R61)."""

    name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)
    min_spend = DollarsField(required=False)
    keep_spend = DollarsField(required=False, allow_null=True)
    multiplier = DollarsField(required=False)


class PromotionSerializer(serializers.ModelSerializer):
    actions = serializers.ListField(child=serializers.CharField())
    item_kinds = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Promotion
        fields = [
            "id",
            "name",
            "starts_on",
            "ends_on",
            "actions",
            "item_kinds",
            "tiers",
            "multiplier",
            "bonus_points",
            "max_per_client",
        ]
        read_only_fields = fields


class PromotionChangeSerializer(serializers.Serializer):
    """Input of POST/PATCH …/promotions/ (R62); the service judges values."""

    name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    actions = serializers.ListField(child=serializers.CharField(), required=False)
    item_kinds = serializers.ListField(child=serializers.CharField(), required=False)
    tiers = serializers.ListField(child=serializers.IntegerField(), required=False)
    multiplier = DollarsField(required=False, allow_null=True)
    bonus_points = WholeNumberField(required=False, allow_null=True)
    max_per_client = WholeNumberField(required=False, allow_null=True)


class ClientTierPlaceSerializer(serializers.Serializer):
    """POST /clients/{id}/tier/ {tier, reason}: tier null takes the client out of tiers."""

    tier = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True, max_length=500)
