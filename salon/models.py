from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

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

    # Who switched a feature on or off, and when.
    history = HistoricalRecords(excluded_fields=["updated_at"])

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


class SalonSettings(models.Model):
    """Who the salon is and how it prices (R50); a single row. Receipts and texts use them."""

    name = models.CharField(max_length=200, default="Salon")
    address = models.TextField(blank=True, help_text="As printed on receipts, one line each.")
    phone = models.CharField(max_length=40, blank=True, help_text="As printed on receipts.")
    receipt_footer = models.TextField(blank=True, help_text="Printed at the foot of receipts.")
    prices_include_tax = models.BooleanField(
        default=False,
        help_text="Prices already contain tax. A line keeps the setting it was added under.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "salon settings"
        verbose_name_plural = "salon settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="salon_settings_single_row"),
        ]

    def __str__(self):
        return "Salon settings"


class IdempotencyStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class IdempotencyRecord(models.Model):
    """One use of an Idempotency-Key (SPEC §11): the claim while the request runs, then the
    response it gave, replayed to a retry with the same key. See salon/api/idempotency.py."""

    # None for an anonymous request (sign-up and its verification, R74).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=1000)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of the canonical request body.")
    status = models.CharField(
        max_length=20, choices=IdempotencyStatus.choices, default=IdempotencyStatus.IN_PROGRESS
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The database session that holds an in-progress claim (PostgreSQL; R74): when it is
    # gone, the request died with it and a retry takes the claim over at once.
    holder_pid = models.IntegerField(null=True, blank=True)
    holder_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "method", "path", "key"], name="idempotency_key_unique_per_scope"
            ),
            # NULLs are distinct in a unique index: anonymous keys need their own.
            models.UniqueConstraint(
                fields=["method", "path", "key"],
                condition=models.Q(user__isnull=True),
                name="idempotency_key_unique_anonymous",
            ),
            models.CheckConstraint(
                condition=models.Q(status="in_progress") | models.Q(response_status__isnull=False),
                name="idempotency_done_has_response",
            ),
        ]

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}]"
