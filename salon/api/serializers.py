from rest_framework import serializers

from salon.models import Features


class FeaturesSerializer(serializers.ModelSerializer):
    """The Client Connect subscription (R33). Input is checked by salon.services."""

    class Meta:
        model = Features
        fields = [
            "automated_email_marketing",
            "mass_email",
            "rewards_referrals",
            "text_confirmations",
            "profile_photos",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
