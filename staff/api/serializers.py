from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from staff.models import WEEKDAYS, ScheduleException, Staff, WorkingHours

TIME_FORMAT = "%H:%M"


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"})
class ClockTimeField(serializers.TimeField):
    """A local time of day as "HH:MM" (SPEC §18); the schema's `format: time` would be
    RFC 3339's "HH:MM:SS", which the answers are not."""

    def __init__(self, **kwargs):
        super().__init__(format=TIME_FORMAT, input_formats=[TIME_FORMAT], **kwargs)


class StaffSerializer(serializers.ModelSerializer):
    class Meta:
        model = Staff
        fields = ["id", "name", "active", "color", "user"]
        read_only_fields = fields


class StaffWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    active = serializers.BooleanField(default=True)
    color = serializers.CharField(max_length=7, required=False)
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), allow_null=True, required=False
    )


class HoursSerializer(serializers.ModelSerializer):
    weekday = serializers.ChoiceField(choices=WEEKDAYS)
    start = ClockTimeField()
    end = ClockTimeField()

    class Meta:
        model = WorkingHours
        fields = ["weekday", "start", "end"]


class ExceptionSerializer(serializers.ModelSerializer):
    start = ClockTimeField(allow_null=True, required=False)
    end = ClockTimeField(allow_null=True, required=False)

    class Meta:
        model = ScheduleException
        fields = ["id", "date", "start", "end"]
        read_only_fields = ["id"]
