from django.core.exceptions import ValidationError
from django.db import models

BASE_FEATURES = ("automated_email_marketing", "mass_email", "rewards_referrals")
EXCLUSIVE_FEATURES = ("text_confirmations", "profile_photos")


class Features(models.Model):
    """The salon-wide Client Connect subscription (R33); a single row."""

    automated_email_marketing = models.BooleanField(default=True)
    mass_email = models.BooleanField(default=True)
    rewards_referrals = models.BooleanField(default=True)
    text_confirmations = models.BooleanField(
        default=False, help_text="Premium: needs all three base features."
    )
    profile_photos = models.BooleanField(
        default=False, help_text="Premium: needs all three base features."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Client Connect features"
        verbose_name_plural = "Client Connect features"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="features_single_row"),
            models.CheckConstraint(
                condition=(
                    models.Q(text_confirmations=False, profile_photos=False)
                    | models.Q(
                        automated_email_marketing=True, mass_email=True, rewards_referrals=True
                    )
                ),
                name="features_exclusives_need_all_base",
            ),
        ]

    def __str__(self):
        return "Client Connect features"

    @property
    def has_all_base_features(self) -> bool:
        return all(getattr(self, name) for name in BASE_FEATURES)

    def clean(self):
        if not self.has_all_base_features:
            for name in EXCLUSIVE_FEATURES:
                if getattr(self, name):
                    raise ValidationError(
                        {
                            name: "This premium feature needs Automated email marketing, "
                            "Mass email and Rewards & Referrals all switched on."
                        }
                    )
