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
