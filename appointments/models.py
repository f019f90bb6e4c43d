from django.conf import settings
from django.db import models
from django.utils import timezone

from clients.models import ClientSource


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CONFIRMED = "confirmed", "Confirmed"
    ARRIVED = "arrived", "Arrived"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No show"


class Appointment(models.Model):
    """A booked service (R35); `prebooked` is decided when it is booked (R12)."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="appointments"
    )
    item = models.ForeignKey("catalog.Item", on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        "staff.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name="staff member",
    )
    start = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(default=60)
    source = models.CharField(
        max_length=20, choices=ClientSource.choices, default=ClientSource.FRONT_DESK
    )
    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    prebooked = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by each reschedule that moves the start, so the client is asked to confirm the
    # new time once more (R38 keys a confirmation text by appointment and round).
    confirmation_round = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["staff", "start"], name="appointment_staff_start_idx"),
            models.Index(fields=["status", "start"]),
            models.Index(fields=["client", "start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1), name="appointment_duration_positive"
            ),
        ]

    def __str__(self):
        # The salon's wall clock, as the desk reads it (not UTC).
        when = timezone.localtime(self.start, timezone.get_default_timezone())
        return (
            f"{self.item} for {self.client}, {when:%a %b} {when.day} at "
            f"{when.hour % 12 or 12}:{when:%M %p}"
        )


class ReservationStatus(models.TextChoices):
    RESERVED = "reserved", "Reserved"
    FULFILLED = "fulfilled", "Fulfilled"
    CANCELLED = "cancelled", "Cancelled"


class ProductReservation(models.Model):
    """A product put aside for a client (R36), fulfilled by a ticket."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="reservations"
    )
    item = models.ForeignKey("catalog.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    source = models.CharField(
        max_length=20, choices=ClientSource.choices, default=ClientSource.FRONT_DESK
    )
    status = models.CharField(
        max_length=20, choices=ReservationStatus.choices, default=ReservationStatus.RESERVED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="reservation_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.item} for {self.client}"
