from django.db import models


class ReceiptEmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class ReceiptEmail(models.Model):
    """A receipt e-mailed to a client (R49), sent by the task worker through Django's
    EMAIL_BACKEND. Like a text (R39) it is recorded before it is sent, and its purpose key
    is unique: a ticket's receipt is e-mailed once unless staff send it again on purpose."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="+")
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    purpose = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        max_length=10, choices=ReceiptEmailStatus.choices, default=ReceiptEmailStatus.QUEUED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Receipt of ticket #{self.ticket_id} to {self.to}"
