from django.contrib import admin

from salon.admin_history import HistoryAdmin
from salon.admin_pages import SingleRowAdmin
from salon.forms import ServiceFormAdmin, ServiceModelForm
from salon.models import Features, SalonSettings
from salon.selectors import features_get, salon_settings_get
from salon.services import (
    FEATURE_NAMES,
    SALON_SETTINGS_FIELDS,
    features_update,
    salon_settings_update,
)


class FeaturesForm(ServiceModelForm):
    class Meta:
        model = Features
        fields = list(FEATURE_NAMES)

    def changes(self, cleaned_data: dict) -> dict:
        return {name: cleaned_data[name] for name in self.changed_data if name in FEATURE_NAMES}

    def run_service(self, cleaned_data):
        return features_update(user=self.user, changes=self.changes(cleaned_data))


@admin.register(Features)
class FeaturesAdmin(ServiceFormAdmin, SingleRowAdmin, HistoryAdmin):
    """The single row of Client Connect features (R33): no list, no add, no delete."""

    row = staticmethod(features_get)
    form = FeaturesForm
    fieldsets = [
        (
            "Base features",
            {"fields": ["automated_email_marketing", "mass_email", "rewards_referrals"]},
        ),
        (
            "Premium exclusives (need all three base features)",
            {
                "fields": ["text_confirmations", "profile_photos"],
                "description": "Switching a base feature off switches both exclusives off.",
            },
        ),
    ]


class SalonSettingsForm(ServiceModelForm):
    class Meta:
        model = SalonSettings
        fields = list(SALON_SETTINGS_FIELDS)

    def changes(self, cleaned_data: dict) -> dict:
        return {name: cleaned_data[name] for name in self.changed_data}

    def run_service(self, cleaned_data):
        return salon_settings_update(user=self.user, changes=self.changes(cleaned_data))


@admin.register(SalonSettings)
class SalonSettingsAdmin(ServiceFormAdmin, SingleRowAdmin, admin.ModelAdmin):
    """The single row of salon settings (R50): no list, no add, no delete."""

    row = staticmethod(salon_settings_get)
    form = SalonSettingsForm
    fieldsets = [
        ("On receipts", {"fields": ["name", "address", "phone", "receipt_footer"]}),
        (
            "Tax",
            {
                "fields": ["prices_include_tax"],
                "description": "Lines already on tickets keep the pricing they were added under.",
            },
        ),
    ]
