from rest_framework import serializers

from salon.models import Features, SalonSettings


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


class SalonSettingsSerializer(serializers.ModelSerializer):
    """The salon's settings (R50). Input limits and the name's presence are the service's."""

    class Meta:
        model = SalonSettings
        fields = ["name", "address", "phone", "receipt_footer", "prices_include_tax", "updated_at"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {
            "name": {"required": False},
            "address": {"required": False, "allow_blank": True},
            "receipt_footer": {"required": False, "allow_blank": True},
        }
