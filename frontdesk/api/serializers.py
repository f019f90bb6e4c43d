"""The Client Log in the API (R28, SPEC §11)."""

from datetime import datetime
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clients.api.serializers import ClientSerializer
from loyalty.api.serializers import RewardsSerializer


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return serializers.DateTimeField().to_representation(value)
    return value


@extend_schema_field(
    {
        "type": "object",
        "required": ["type", "at", "id", "summary"],
        "properties": {
            "type": {"type": "string", "enum": ["ticket", "appointment", "points", "message"]},
            "at": {"type": "string", "format": "date-time"},
            "id": {"type": "integer"},
            "summary": {"type": "string"},
        },
        "additionalProperties": True,
        "description": "ticket: status, total, balance_due, closed_at, voided_at; "
        "appointment: status, item, staff_name, duration_minutes, source, prebooked; "
        "points: points, kind, action, ticket, available_at, pending, memo; "
        "message: direction, status, body.",
    }
)
class TimelineEventField(serializers.Field):
    def to_representation(self, event):
        return {
            "type": event.type,
            "at": _plain(event.at),
            "id": event.id,
            "summary": event.summary,
            **{name: _plain(value) for name, value in event.details.items()},
        }


class ClientLogSerializer(serializers.Serializer):
    client = ClientSerializer()
    rewards = RewardsSerializer()
    pending_value = serializers.DecimalField(max_digits=12, decimal_places=2)
    timeline = serializers.ListField(child=TimelineEventField())
    next_before = serializers.DateTimeField(allow_null=True)
    next = serializers.SerializerMethodField()

    # The last page has no next page: null, and the schema must say so.
    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_next(self, log) -> str | None:
        request = self.context.get("request")
        if log.next_before is None or request is None:
            return None
        query = request.GET.copy()
        query["before"] = _plain(log.next_before)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


# --- receipts (R49) --------------------------------------------------------------------------


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class ReceiptSalonSerializer(serializers.Serializer):
    name = serializers.CharField(source="salon_name")
    address = serializers.CharField(source="salon_address")
    phone = serializers.CharField(source="salon_phone")


class ReceiptLineSerializer(serializers.Serializer):
    item = serializers.CharField()
    staff = serializers.CharField(allow_null=True)
    quantity = serializers.IntegerField()
    unit_price = _money()
    discount = _money()
    net = _money()
    tax = _money()


class ReceiptPaymentSerializer(serializers.Serializer):
    method = serializers.CharField()
    amount = _money()
    points = serializers.IntegerField(allow_null=True)


class ReceiptPointsSerializer(serializers.Serializer):
    earned = serializers.IntegerField()
    pending = serializers.IntegerField()
    redeemable = serializers.IntegerField()
    redeemable_from = serializers.DateTimeField(allow_null=True)


class ReceiptSerializer(serializers.Serializer):
    """Exactly the fields of R49; times in the salon's zone (TIME_ZONE)."""

    salon = ReceiptSalonSerializer(source="*")
    number = serializers.IntegerField()
    closed_at = serializers.DateTimeField(allow_null=True)
    client = serializers.CharField(allow_null=True)
    lines = ReceiptLineSerializer(many=True)
    subtotal = _money()
    tax = _money()
    tips = _money()
    total = _money()
    payments = ReceiptPaymentSerializer(many=True)
    tendered = _money(allow_null=True)
    change = _money(allow_null=True)
    points = ReceiptPointsSerializer(allow_null=True)
    footer = serializers.CharField()


class ReceiptSendSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=["sms", "email"])
    resend = serializers.BooleanField(required=False, default=False)


class ReceiptSentSerializer(serializers.Serializer):
    channel = serializers.CharField()
    queued = serializers.BooleanField(
        help_text="False: already sent by this channel and `resend` was not asked."
    )
