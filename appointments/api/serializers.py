from rest_framework import serializers

from appointments.models import Appointment, ProductReservation
from catalog.models import MAX_DURATION_MINUTES, Item
from clients.models import Client, ClientSource
from staff.models import Staff


class AppointmentSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    staff_name = serializers.CharField(source="staff.name", read_only=True, allow_null=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "client",
            "item",
            "item_name",
            "start",
            "duration_minutes",
            "staff",
            "staff_name",
            "source",
            "status",
            "prebooked",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AppointmentBookSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all())
    start = serializers.DateTimeField()
    source = serializers.ChoiceField(choices=ClientSource.choices, default=ClientSource.FRONT_DESK)
    staff = serializers.PrimaryKeyRelatedField(
        queryset=Staff.objects.all(), allow_null=True, default=None
    )
    duration_minutes = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DURATION_MINUTES,
        required=False,
        help_text="Minutes; the item's duration_minutes when not given.",
    )
    allow_overlap = serializers.BooleanField(
        default=False, help_text="Book even if the staff member is busy then (R42)."
    )


class AppointmentRescheduleSerializer(serializers.Serializer):
    """PATCH /appointments/{id}/ (R42): a new start and/or staff member."""

    start = serializers.DateTimeField(required=False)
    staff = serializers.PrimaryKeyRelatedField(
        queryset=Staff.objects.all(), allow_null=True, required=False
    )
    allow_overlap = serializers.BooleanField(default=False)


class MyAppointmentBookSerializer(serializers.Serializer):
    """A client booking in the app: for themselves only, source `app`, lasting the
    service's own duration (a client can't shorten it to fit a gap, R42)."""

    client = serializers.IntegerField(required=False)
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all())
    start = serializers.DateTimeField()
    staff = serializers.PrimaryKeyRelatedField(
        queryset=Staff.objects.all(), allow_null=True, default=None
    )


class AvailabilityQuerySerializer(serializers.Serializer):
    """The objects availability's query names (read strictly first, appointments/api/views.py)."""

    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all())
    date = serializers.DateField()
    staff = serializers.PrimaryKeyRelatedField(queryset=Staff.objects.all(), required=False)


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    staff = serializers.IntegerField(source="staff.pk")
    staff_name = serializers.CharField(source="staff.name")


class ReservationSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)

    class Meta:
        model = ProductReservation
        fields = [
            "id",
            "client",
            "item",
            "item_name",
            "quantity",
            "source",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReservationCreateSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all())
    quantity = serializers.IntegerField(min_value=1, default=1)
    source = serializers.ChoiceField(choices=ClientSource.choices, default=ClientSource.FRONT_DESK)


class MyReservationCreateSerializer(serializers.Serializer):
    client = serializers.IntegerField(required=False)
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all())
    quantity = serializers.IntegerField(min_value=1, default=1)
