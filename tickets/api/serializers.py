from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appointments.models import Appointment, ProductReservation
from catalog.models import Item
from clients.models import Client
from salon.api.fields import money_field, percent_field, quantity_field
from salon.limits import REASON_MAX_LENGTH
from staff.models import Staff
from tickets.models import (
    DESK_METHODS,
    Payment,
    PaymentMethod,
    Ticket,
    TicketLine,
    TicketStatus,
    Tip,
)

# --- output --------------------------------------------------------------------------------


class TicketLineSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    staff_name = serializers.CharField(source="staff.name", read_only=True, allow_null=True)
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
            "staff",
            "staff_name",
            "net_amount",
            "tax_percent",
            "tax_included",
            "tax",
        ]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    change = money_field(read_only=True, allow_null=True)

    class Meta:
        model = Payment
        fields = ["id", "method", "amount", "points", "tendered", "change", "created_at"]
        read_only_fields = fields


class TipSerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True, allow_null=True)

    class Meta:
        model = Tip
        fields = ["id", "amount", "staff", "staff_name", "created_at"]
        read_only_fields = fields


class TicketSerializer(serializers.ModelSerializer):
    """A ticket with its lines, payments, total and balance due (money as strings, R1).

    Expects a ticket from selectors.ticket_list_with_totals (annotated: the amounts of R44
    and the points it earned, R48), so a list costs the same number of queries whatever its
    length. `tips` is the sum; `tip_list` the tips one by one.
    """

    subtotal = serializers.SerializerMethodField()
    tax = serializers.SerializerMethodField()
    tips = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    paid = serializers.SerializerMethodField()
    balance_due = serializers.SerializerMethodField()
    points_earned = serializers.SerializerMethodField()
    referrer_points_earned = serializers.SerializerMethodField()
    lines = TicketLineSerializer(many=True, read_only=True)
    tip_list = TipSerializer(source="tips", many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "status",
            "client",
            "appointment",
            "reservation",
            "subtotal",
            "tax",
            "tips",
            "total",
            "paid",
            "balance_due",
            "points_earned",
            "referrer_points_earned",
            "lines",
            "tip_list",
            "payments",
            "created_at",
            "created_by",
            "closed_at",
            "closed_by",
            "voided_at",
            "voided_by",
            "void_reason",
            "updated_at",
        ]
        read_only_fields = fields

    def _money(self, ticket, annotation: str) -> str:
        return serializers.DecimalField(max_digits=12, decimal_places=2).to_representation(
            getattr(ticket, annotation)
        )

    def get_subtotal(self, ticket) -> str:
        return self._money(ticket, "subtotal_amount")

    def get_tax(self, ticket) -> str:
        return self._money(ticket, "tax_amount")

    def get_tips(self, ticket) -> str:
        return self._money(ticket, "tips_amount")

    def get_total(self, ticket) -> str:
        return self._money(ticket, "total_amount")

    def get_paid(self, ticket) -> str:
        return self._money(ticket, "paid_amount")

    def get_balance_due(self, ticket) -> str:
        return self._money(ticket, "balance_due_amount")

    def _points(self, ticket, annotation: str) -> int | None:
        # What a ticket earned is known once it closed (R7, R48); loyalty annotates it.
        if ticket.status == TicketStatus.OPEN:
            return None
        return getattr(ticket, annotation, None)

    def get_points_earned(self, ticket) -> int | None:
        return self._points(ticket, "points_earned")

    def get_referrer_points_earned(self, ticket) -> int | None:
        return self._points(ticket, "referrer_points_earned")


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
    staff = serializers.PrimaryKeyRelatedField(
        queryset=Staff.objects.all(), required=False, allow_null=True, default=None
    )


class LineUpdateSerializer(serializers.Serializer):
    quantity = quantity_field(required=False)
    # null: no one is named for the line (R41: staff is optional).
    staff = serializers.PrimaryKeyRelatedField(
        queryset=Staff.objects.all(), required=False, allow_null=True
    )
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


# What the desk may pay with (points go through the redeem endpoint): declared as an enum
# so that a generated client gets one and fuzzing sends methods the app takes (R72).
DESK_PAYMENT_METHODS = [method.value for method in DESK_METHODS]


@extend_schema_field({"type": "string", "enum": DESK_PAYMENT_METHODS})
class DeskPaymentMethodField(serializers.CharField):
    """A method the desk takes by hand. The services refuse any other (`payment_add`:
    `unknown_payment_method`; `ticket_settle`: `settle_method_refused`); the API only says
    where points go instead (PaymentAddSerializer.validate_method)."""


class PaymentAddSerializer(serializers.Serializer):
    """Cash, card, check or gift card: points are redeemed through the redeem endpoint.
    `tendered`: the cash handed over (R47), for cash only."""

    method = DeskPaymentMethodField()
    amount = money_field()
    tendered = money_field(required=False, allow_null=True, default=None)

    def validate_method(self, method: str) -> str:
        # payment_add takes points from loyalty's redemption only: say where they go.
        if method == PaymentMethod.POINTS:
            raise serializers.ValidationError(
                "Points are redeemed through POST /api/v1/tickets/{id}/redeem/."
            )
        return method


class SettleSerializer(serializers.Serializer):
    method = DeskPaymentMethodField()
    amount = money_field(signed=True)  # a refund down to the balance is negative
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=REASON_MAX_LENGTH
    )


class TipAddSerializer(serializers.Serializer):
    """A tip's amount (R45): > 0 is the service's rule (code `tip_not_positive`); for an
    active staff member, or none."""

    amount = money_field()
    staff = serializers.PrimaryKeyRelatedField(
        queryset=Staff.objects.all(), required=False, allow_null=True, default=None
    )


class TicketClientSerializer(serializers.Serializer):
    """The client of an open ticket (R48)."""

    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
