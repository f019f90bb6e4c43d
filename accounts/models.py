from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """Staff (is_staff, in the Manager or Front desk group) and client-app users (linked to a
    Client through Client.user; they sign in with their e-mail address as username)."""

    class Meta:
        db_table = "accounts_user"


class PhoneVerification(models.Model):
    """A sign-up code texted to an existing client's phone (SPEC §11 /signup/): proof that
    whoever creates the app login holds that phone. Only the hash of the code is kept."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="phone_verifications"
    )
    phone = models.CharField(max_length=20, help_text="E.164, as texted.")
    code_hash = models.CharField(max_length=128)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Wrong codes entered.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="phone_verification_expires_after_creation",
            ),
        ]

    def __str__(self):
        return f"Sign-up code for {self.phone}"


class EmailChange(models.Model):
    """A client-app user's new e-mail address waiting for its code (R77): the code is
    e-mailed to the new address and the change takes effect when it comes back, so nobody
    takes an address they can't read. Only the hash of the code is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_changes"
    )
    email = models.EmailField(help_text="The new address, lower case, as e-mailed.")
    code_hash = models.CharField(max_length=128)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Wrong codes entered.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="email_change_expires_after_creation",
            ),
        ]

    def __str__(self):
        return f"E-mail change to {self.email}"
