from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from staff.errors import HoursEndNotAfterStart, StaffColorInvalid

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
DEFAULT_COLOR = "#4f7cac"
color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", StaffColorInvalid.message)


class Staff(models.Model):
    """Someone who performs services or sells products (R41); appointments name them."""

    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_member",
        verbose_name="login",
        help_text="The staff user this stylist signs in with, if any.",
    )
    color = models.CharField(
        "display colour", max_length=7, default=DEFAULT_COLOR, validators=[color_validator]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "staff member"
        verbose_name_plural = "staff"
        constraints = [
            # The desk tells stylists apart by name (and the data migration merged by it).
            models.UniqueConstraint(
                Lower("name"),
                name="staff_name_unique_ci",
                violation_error_message="Another staff member already has this name.",
            ),
        ]

    def __str__(self):
        return self.name


class WorkingHours(models.Model):
    """One range of a staff member's usual week, in the salon's local time (R42)."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["staff", "weekday", "start"]
        verbose_name = "weekly hours"
        verbose_name_plural = "weekly hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6),
                name="hours_weekday_0_6",
                violation_error_message="The weekday is one from Monday to Sunday.",
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="hours_end_after_start",
                violation_error_message=HoursEndNotAfterStart.message,
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class ScheduleException(models.Model):
    """A dated change to the usual week (R42): no times is a day off, else that day's only
    hours (a date may have several ranges)."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField()
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["staff", "date", "start"]
        verbose_name = "dated exception"
        verbose_name_plural = "dated exceptions"
        indexes = [models.Index(fields=["date", "staff"], name="exception_date_staff_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__isnull=True, end__isnull=True)
                | models.Q(start__isnull=False, end__isnull=False, end__gt=models.F("start")),
                name="exception_day_off_or_hours",
                violation_error_message=(
                    "Give both a start and an end after it, or neither for a day off."
                ),
            ),
        ]

    def __str__(self):
        if self.is_day_off:
            return f"{self.date:%a %b} {self.date.day}: day off"
        return f"{self.date:%a %b} {self.date.day}: {self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def is_day_off(self) -> bool:
        return self.start is None
