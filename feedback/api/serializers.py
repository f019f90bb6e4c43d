from rest_framework import serializers

from clients.models import Client
from feedback.models import RATING_MAX, RATING_MIN, Feedback, FeedbackSource
from salon.api.fields import IdField
from salon.limits import NOTES_MAX_LENGTH
from tickets.models import Ticket


class FeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Feedback
        fields = [
            "id",
            "client",
            "ticket",
            "rating",
            "comment",
            "source",
            "share_permission",
            "shared",
            "shared_at",
            "created_at",
        ]
        read_only_fields = fields


class FeedbackRecordSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    ticket = serializers.PrimaryKeyRelatedField(queryset=Ticket.objects.all())
    rating = serializers.IntegerField(min_value=RATING_MIN, max_value=RATING_MAX)
    comment = serializers.CharField(
        allow_blank=True, default="", trim_whitespace=True, max_length=NOTES_MAX_LENGTH
    )
    share_permission = serializers.BooleanField(default=False)
    source = serializers.ChoiceField(
        choices=FeedbackSource.choices, default=FeedbackSource.FRONT_DESK
    )


class MyFeedbackRecordSerializer(serializers.Serializer):
    ticket = IdField()
    rating = serializers.IntegerField(min_value=RATING_MIN, max_value=RATING_MAX)
    comment = serializers.CharField(
        allow_blank=True, default="", trim_whitespace=True, max_length=NOTES_MAX_LENGTH
    )
    share_permission = serializers.BooleanField(default=False)
