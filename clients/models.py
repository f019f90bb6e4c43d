from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from salon.limits import NOTES_MAX_LENGTH, notes_validators


class ClientSource(models.TextChoices):
    FRONT_DESK = "front_desk", "Front desk"
    ONLINE = "online", "Online (web)"
    APP = "app", "Client app"


REFERRED_BY_LOCKED_MESSAGE = "Referred by can't be changed once it has been saved."


class Client(models.Model):
    """A salon client (R24). A merged duplicate stays as a tombstone (merged_into, R17)."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    phone = PhoneNumberField(blank=True, null=True, help_text="Mobile phone; stored in E.164.")
    email = models.EmailField(blank=True)
    birthday = models.DateField(blank=True, null=True)
    notes = models.TextField(blank=True, max_length=NOTES_MAX_LENGTH, validators=notes_validators)
    sms_consent = models.BooleanField("SMS consent", default=False)
    source = models.CharField(
        max_length=20, choices=ClientSource.choices, default=ClientSource.FRONT_DESK
    )
    referral_code = models.CharField(max_length=12, unique=True, editable=False)
    referred_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_duplicates",
        editable=False,
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client",
        help_text="The client-app login, if any.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Who changed a client record, and when (admin and API; the request's user is recorded).
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(merged_into__isnull=True, phone__isnull=False),
                name="client_phone_unique_among_active",
            ),
            models.CheckConstraint(
                condition=~models.Q(referred_by=models.F("id")), name="client_not_own_referrer"
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")), name="client_not_merged_into_self"
            ),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["phone"]),
            # The report's clients new in a period, and its active clients counted (R81, P7).
            models.Index(
                fields=["created_at"],
                name="client_created",
                condition=models.Q(merged_into__isnull=True),
            ),
        ]
        permissions = [
            ("merge_client", "Can merge two clients"),
            # R82, a Manager's (SPEC §10): the names django-import-export asks for.
            ("import_client", "Can import clients from another system (CSV)"),
            ("export_client", "Can export clients as CSV"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()

    def save(self, *args, **kwargs):
        # R25: once saved, referred_by never changes. Checked against the stored row (not an
        # in-memory copy) so no code path can slip past it; merge (R17), the one exception,
        # re-points referrals with QuerySet.update(), which does not call save().
        update_fields = kwargs.get("update_fields")
        checks_referrer = update_fields is None or "referred_by" in update_fields
        if not self._state.adding and self.pk is not None and checks_referrer:
            stored = (
                Client.objects.filter(pk=self.pk).values_list("referred_by_id", flat=True).first()
            )
            if stored is not None and stored != self.referred_by_id:
                raise ValidationError(
                    {"referred_by": REFERRED_BY_LOCKED_MESSAGE}, code="referred_by_locked"
                )
        super().save(*args, **kwargs)

    @property
    def is_tombstone(self) -> bool:
        return self.merged_into_id is not None


class FileKind(models.TextChoices):
    IMAGE = "image", "Image"
    DOCUMENT = "document", "Document"


UPLOADS_DIRECTORY = "clients"


def client_upload_path(instance: "ClientFile", filename: str) -> str:
    # The stored name is never the uploaded one (no traversal, no guessing): see services.
    return f"{UPLOADS_DIRECTORY}/{instance.client_id}/{filename}"


class ClientFile(models.Model):
    """An image or PDF stored for a client (R27); at most one is the profile photo."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=client_upload_path, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=FileKind.choices)
    size = models.PositiveBigIntegerField()
    is_profile_photo = models.BooleanField("Use as profile photo", default=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(is_profile_photo=True),
                name="one_profile_photo_per_client",
            ),
            models.CheckConstraint(
                condition=models.Q(is_profile_photo=False) | models.Q(kind="image"),
                name="profile_photo_is_an_image",
            ),
        ]

    def __str__(self):
        return self.original_name
