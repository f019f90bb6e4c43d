"""Reads for appointments and reservations."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from appointments.models import Appointment, ProductReservation


def appointments_list(
    *,
    day: date | None = None,
    status: str | None = None,
    client_id: int | None = None,
) -> QuerySet[Appointment]:
    """Appointments by start, optionally of one salon day (TIME_ZONE), status or client."""
    queryset = Appointment.objects.select_related("client", "item", "staff").order_by("start", "id")
    if day is not None:
        zone = timezone.get_default_timezone()
        start = timezone.make_aware(datetime.combine(day, time.min), zone)
        end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone)
        queryset = queryset.filter(start__gte=start, start__lt=end)
    if status:
        queryset = queryset.filter(status=status)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    return queryset


def reservations_list(*, client_id: int | None = None) -> QuerySet[ProductReservation]:
    queryset = ProductReservation.objects.select_related("client", "item")
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    return queryset
