from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from salon.limits import NOTES_MAX_LENGTH, notes_validators

# A rating is a whole number of stars (R37), checked by the service, the database, the API's
# schema and the refusal's words from these two.
RATING_MIN, RATING_MAX = 1, 5


class FeedbackSource(models.TextChoices):
    CLIENT = "client", "Client"
    FRONT_DESK = "front_desk", "Front desk"
    STAFF_APP = "staff_app", "Staff app"
    CLIENT_APP = "client_app", "Client app"


class Feedback(models.Model):
    """A client's feedback on a closed ticket (R37); at most one per ticket."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="feedback")
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)]
    )
    comment = models.TextField(blank=True, max_length=NOTES_MAX_LENGTH, validators=notes_validators)
    source = models.CharField(
        max_length=20, choices=FeedbackSource.choices, default=FeedbackSource.FRONT_DESK
    )
    share_permission = models.BooleanField(default=False, help_text="The client allows sharing it.")
    shared = models.BooleanField(default=False)
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "feedback"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="feedback_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(shared=False) | models.Q(share_permission=True),
                name="feedback_shared_only_with_permission",
            ),
        ]
        permissions = [("share_feedback", "Can mark feedback as shared online")]

    def __str__(self):
        return f"{self.rating}★ from {self.client}"
