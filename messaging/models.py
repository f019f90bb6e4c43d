from django.db import models
from django.db.models import Q


class Direction(models.TextChoices):
    OUTBOUND = "outbound", "Outbound"
    INBOUND = "inbound", "Inbound"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    BLOCKED = "blocked", "Blocked (number opted out)"
    RECEIVED = "received", "Received"


class Message(models.Model):
    """Every text sent or received, with its status (R39).

    An outbound text carries a purpose key (`confirmation:appointment:42`), unique, so the
    same purpose is never texted twice; an inbound text carries the provider's id, unique,
    so a webhook delivered twice is processed once.
    """

    direction = models.CharField(max_length=10, choices=Direction.choices)
    to_number = models.CharField(max_length=32)
    from_number = models.CharField(max_length=32, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    purpose = models.CharField(max_length=200, blank=True)
    provider_sid = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # A lazy reference: messaging is a base app and never imports clients (SPEC §1).
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose"],
                condition=~Q(purpose=""),
                name="message_purpose_unique",
            ),
            models.UniqueConstraint(
                fields=["provider_sid"],
                condition=Q(direction="inbound") & ~Q(provider_sid=""),
                name="inbound_message_sid_unique",
            ),
            models.CheckConstraint(
                condition=Q(direction="inbound", status="received")
                | (Q(direction="outbound") & ~Q(status="received")),
                name="message_status_matches_direction",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self):
        number = self.to_number if self.direction == Direction.OUTBOUND else self.from_number
        return f"{self.get_direction_display()} {number}: {self.body[:40]}"


class OptOut(models.Model):
    """A number that texted STOP: never texted again, whatever a client record says (§1)."""

    phone = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "opt-out"

    def __str__(self):
        return self.phone
