from rest_framework import serializers

from appointments.models import Appointment, AppointmentStatus, ProductReservation
from appointments.services import MAX_DURATION_MINUTES
from catalog.models import Item
from clients.models import Client, ClientSource
from salon.converters import MAX_ID


class AppointmentSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "client",
            "item",
            "item_name",
            "start",
            "duration_minutes",
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
    staff_name = serializers.CharField(max_length=100, allow_blank=True, default="")
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_DURATION_MINUTES, default=60
    )


class MyAppointmentBookSerializer(serializers.Serializer):
    """A client booking in the app: for themselves only, source `app`."""

    client = serializers.IntegerField(required=False)
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all())
    start = serializers.DateTimeField()
    staff_name = serializers.CharField(max_length=100, allow_blank=True, default="")
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_DURATION_MINUTES, default=60
    )


class AppointmentFilterSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=AppointmentStatus.choices, required=False)
    client = serializers.IntegerField(required=False, min_value=0, max_value=MAX_ID)


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
