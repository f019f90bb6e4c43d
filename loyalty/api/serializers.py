from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import ItemKind
from loyalty.configuration import SETTINGS_FIELDS
from loyalty.models import (
    Action,
    EarningRule,
    EarnOn,
    LoyaltySettings,
    PointsEntry,
    Promotion,
    Tier,
)
from salon.api.fields import IdField
from salon.limits import REASON_MAX_LENGTH
from tickets.models import Payment


class _AsGivenField(serializers.JSONField):
    """A value passed to the service as given; the API's parser reads JSON fractions as
    Decimals (salon/api/parsers.py), which this field's JSON check must be able to write."""

    def __init__(self, **kwargs):
        kwargs.setdefault("encoder", DjangoJSONEncoder)
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.INT)
class WholeNumberField(_AsGivenField):
    """Passed to the service as given, so that 0, -1, 1.5 or "abc" get the service's one
    clear message naming the field (R20, SPEC §3)."""


@extend_schema_field(OpenApiTypes.DECIMAL)
class DollarsField(_AsGivenField):
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
    expiry_reminder_days = serializers.ListField(child=serializers.IntegerField())
    redeemable_kinds = serializers.ListField(child=serializers.ChoiceField(ItemKind.choices))

    class Meta:
        model = LoyaltySettings
        fields = list(SETTINGS_FIELDS)
        read_only_fields = fields


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class WholeNumbersField(serializers.JSONField):
    """A list judged by the service (R55: up to 5 distinct days)."""


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": ItemKind.values}})
class KindsField(serializers.JSONField):
    """A list of item kinds judged by the service (R57)."""


class LoyaltySettingsChangeSerializer(serializers.Serializer):
    """Only types here; the service judges the values (R15, R19, R51, R55-R57)."""

    min_redemption_dollars = WholeNumberField(required=False)
    hold_hours = WholeNumberField(required=False)
    tier_window_days = WholeNumberField(required=False)
    tier_validity_days = WholeNumberField(required=False)
    birthday_points = WholeNumberField(required=False)
    expiry_days = WholeNumberField(required=False, allow_null=True)
    expiry_reminder_days = WholeNumbersField(required=False)
    monthly_statements = serializers.BooleanField(required=False)
    max_redemption_percent = WholeNumberField(required=False, allow_null=True)
    max_redemption_points = WholeNumberField(required=False, allow_null=True)
    redemption_increment = WholeNumberField(required=False)
    redeemable_kinds = KindsField(required=False)
    redemption_otp = serializers.BooleanField(required=False)
    earn_on = serializers.ChoiceField(choices=EarnOn.choices, required=False)


class AdjustmentSerializer(serializers.Serializer):
    client = IdField()
    points = WholeNumberField()
    reason = serializers.CharField(
        allow_blank=True, trim_whitespace=True, max_length=REASON_MAX_LENGTH
    )
    expires_on = serializers.DateField(
        required=False, allow_null=True, help_text="Added points expire at the end of this day."
    )
    never_expires = serializers.BooleanField(
        required=False, default=False, help_text="Added points never expire."
    )


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
            "promotion",
            "expires_on",
        ]
        read_only_fields = fields


class RewardsTierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    multiplier = serializers.DecimalField(max_digits=5, decimal_places=2)


class NextTierSerializer(serializers.Serializer):
    name = serializers.CharField()
    spend_needed = serializers.DecimalField(max_digits=12, decimal_places=2)


class NextExpirySerializer(serializers.Serializer):
    points = serializers.IntegerField()
    on = serializers.DateField()


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
    next_expiry = NextExpirySerializer(
        allow_null=True, help_text="The points expiring first (R54)."
    )


class RedeemSerializer(serializers.Serializer):
    points = WholeNumberField()
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The 6-digit code texted to the client, when the salon needs one (R57).",
    )


class RedemptionCodeSentSerializer(serializers.Serializer):
    sent = serializers.BooleanField()
    expires_at = serializers.DateTimeField()


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
    tiers = serializers.ListField(child=IdField(), required=False)
    multiplier = DollarsField(required=False, allow_null=True)
    bonus_points = WholeNumberField(required=False, allow_null=True)
    max_per_client = WholeNumberField(required=False, allow_null=True)


class ClientTierPlaceSerializer(serializers.Serializer):
    """POST /clients/{id}/tier/ {tier, reason}: tier null takes the client out of tiers."""

    tier = IdField(allow_null=True)
    reason = serializers.CharField(allow_blank=True, max_length=REASON_MAX_LENGTH)


class RedeemableSerializer(serializers.Serializer):
    """How many points may pay on a ticket now (R57)."""

    points = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=12, decimal_places=2)
    reason_code = serializers.CharField(
        allow_null=True,
        help_text="The rule that holds `points` where it is (e.g. exceeds_max_redemption, "
        "below_min_redemption); null when the client's balance does.",
    )


class ReportMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    issued = serializers.DictField(child=serializers.IntegerField())
    issued_total = serializers.IntegerField()
    redeemed = serializers.IntegerField()
    expired = serializers.IntegerField()
    adjusted = serializers.IntegerField()
    outstanding_points = serializers.IntegerField(
        help_text="Points clients held at the month's end."
    )


class ReportLiabilitySerializer(serializers.Serializer):
    pending_points = serializers.IntegerField()
    redeemable_points = serializers.IntegerField()
    points = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=14, decimal_places=2)


class ReportReferralsSerializer(serializers.Serializer):
    new_referred_clients = serializers.IntegerField()
    with_first_ticket = serializers.IntegerField()
    sales = serializers.DecimalField(max_digits=14, decimal_places=2)


class ReportReferrerSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    name = serializers.CharField()
    referred = serializers.IntegerField()
    points = serializers.IntegerField()


class ReportTierSerializer(serializers.Serializer):
    tier = serializers.CharField(allow_null=True, help_text="The tier's name; null: no tier.")
    clients = serializers.IntegerField(help_text="Active clients in it at the end of `to`.")


class ReportPromotionSerializer(serializers.Serializer):
    promotion = serializers.IntegerField()
    name = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    points = serializers.IntegerField(help_text="Net points of its entries posted in the period.")
    sales = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="Pre-tax net sales of the closed tickets those entries belong to.",
    )


class LoyaltyReportSerializer(serializers.Serializer):
    """The report of R81 in SPEC §18's shape (money as strings, as everywhere in the API)."""

    # `from` is a Python keyword, so the field is added under its name below.
    to = serializers.DateField()
    months = ReportMonthSerializer(many=True)
    liability = ReportLiabilitySerializer()
    expiring = serializers.DictField(child=serializers.IntegerField())
    referrals = ReportReferralsSerializer()
    top_referrers = ReportReferrerSerializer(many=True)
    tiers = ReportTierSerializer(many=True)
    promotions = ReportPromotionSerializer(many=True)

    def get_fields(self):
        return {"from": serializers.DateField(), **super().get_fields()}
