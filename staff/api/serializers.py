from django.contrib.auth import get_user_model
from rest_framework import serializers

from staff.models import WEEKDAYS, ScheduleException, Staff, WorkingHours

TIME_FORMAT = "%H:%M"


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
    start = serializers.TimeField(format=TIME_FORMAT, input_formats=[TIME_FORMAT])
    end = serializers.TimeField(format=TIME_FORMAT, input_formats=[TIME_FORMAT])

    class Meta:
        model = WorkingHours
        fields = ["weekday", "start", "end"]


class ExceptionSerializer(serializers.ModelSerializer):
    start = serializers.TimeField(
        format=TIME_FORMAT, input_formats=[TIME_FORMAT], allow_null=True, required=False
    )
    end = serializers.TimeField(
        format=TIME_FORMAT, input_formats=[TIME_FORMAT], allow_null=True, required=False
    )

    class Meta:
        model = ScheduleException
        fields = ["id", "date", "start", "end"]
        read_only_fields = ["id"]
