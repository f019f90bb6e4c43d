from rest_framework import serializers

from appointments.models import Appointment, ProductReservation
from catalog.models import Item
from clients.models import Client
from salon.api.fields import money_field, percent_field, quantity_field
from salon.limits import REASON_MAX_LENGTH
from tickets import selectors
from tickets.models import Payment, PaymentMethod, Ticket, TicketLine

# --- output --------------------------------------------------------------------------------


class TicketLineSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    kind = serializers.CharField(source="item.kind", read_only=True)

    class Meta:
        model = TicketLine
        fields = [
            "id",
            "item",
            "item_name",
            "kind",
            "quantity",
            "unit_price",
            "discount_amount",
            "discount_percent",
            "package_redemption",
            "net_amount",
        ]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "method", "amount", "points", "created_at"]
        read_only_fields = fields


class TicketSerializer(serializers.ModelSerializer):
    """A ticket with its lines, payments, total and balance due (money as strings, R1).

    Expects a ticket from selectors.ticket_list_with_totals (annotated), so a list costs
    the same number of queries whatever its length.
    """

    total = serializers.SerializerMethodField()
    paid = serializers.SerializerMethodField()
    balance_due = serializers.SerializerMethodField()
    lines = TicketLineSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "status",
            "client",
            "appointment",
            "reservation",
            "total",
            "paid",
            "balance_due",
            "lines",
            "payments",
            "created_at",
            "closed_at",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = fields

    def _money(self, ticket, annotation: str, selector) -> str:
        value = getattr(ticket, annotation, None)
        if value is None:
            value = selector(ticket=ticket)
        return serializers.DecimalField(max_digits=12, decimal_places=2).to_representation(value)

    def get_total(self, ticket) -> str:
        return self._money(ticket, "total_amount", selectors.ticket_total)

    def get_paid(self, ticket) -> str:
        return self._money(ticket, "paid_amount", selectors.ticket_paid)

    def get_balance_due(self, ticket) -> str:
        return self._money(ticket, "balance_due_amount", selectors.ticket_balance_due)


# --- input ---------------------------------------------------------------------------------


class TicketOpenSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.all(), required=False, allow_null=True
    )
    appointment = serializers.PrimaryKeyRelatedField(
        queryset=Appointment.objects.all(), required=False, allow_null=True
    )
    reservation = serializers.PrimaryKeyRelatedField(
        queryset=ProductReservation.objects.all(), required=False, allow_null=True
    )


class LineAddSerializer(serializers.Serializer):
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all())
    quantity = quantity_field(required=False, default=1)
    unit_price = money_field(required=False, allow_null=True, default=None)
    discount_amount = money_field(required=False, allow_null=True, default=None)
    discount_percent = percent_field(required=False, allow_null=True, default=None)
    package_redemption = serializers.BooleanField(required=False, default=False)


class LineUpdateSerializer(serializers.Serializer):
    quantity = quantity_field(required=False)
    unit_price = money_field(required=False)
    discount_amount = money_field(required=False)
    discount_percent = percent_field(required=False)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=REASON_MAX_LENGTH
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=REASON_MAX_LENGTH
    )


class PaymentAddSerializer(serializers.Serializer):
    """Cash, card, check or gift card: points are redeemed through the redeem endpoint."""

    method = serializers.CharField()
    amount = money_field()

    def validate_method(self, method: str) -> str:
        if method == PaymentMethod.POINTS:
            raise serializers.ValidationError(
                "Points are redeemed through POST /api/v1/tickets/{id}/redeem/."
            )
        if method not in PaymentMethod.values:
            raise serializers.ValidationError(f"Unknown payment method “{method}”.")
        return method


class SettleSerializer(PaymentAddSerializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=REASON_MAX_LENGTH
    )
