"""Reads for appointments and reservations."""

from datetime import date, datetime, time, timedelta

from django.db.models import Case, CharField, Exists, OuterRef, QuerySet, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from appointments.models import Appointment, ProductReservation
from messaging.models import Message

CONFIRMATION_PURPOSE = "confirmation:appointment:{}"
# A reschedule asks again: round n > 0 is keyed "confirmation:appointment:<id>:<n>".
CONFIRMATION_ROUND_SUFFIX = ":{}"


def confirmation_purpose(appointment: Appointment) -> str:
    """The purpose key of the appointment's current confirmation text (R38, R42)."""
    purpose = CONFIRMATION_PURPOSE.format(appointment.pk)
    if appointment.confirmation_round:
        purpose += CONFIRMATION_ROUND_SUFFIX.format(appointment.confirmation_round)
    return purpose


def with_confirmation_texted(queryset: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Annotate `confirmation_texted`: the current round's confirmation text exists (the key
    spelled in SQL as confirmation_purpose spells it in Python)."""
    key = Concat(
        Value(CONFIRMATION_PURPOSE.format("")),
        Cast("pk", output_field=CharField()),
        Case(
            When(confirmation_round=0, then=Value("")),
            default=Concat(
                Value(CONFIRMATION_ROUND_SUFFIX.format("")),
                Cast("confirmation_round", output_field=CharField()),
                output_field=CharField(),
            ),
            output_field=CharField(),
        ),
        output_field=CharField(),
    )
    return queryset.annotate(confirmation_purpose_key=key).annotate(
        confirmation_texted=Exists(
            Message.objects.filter(purpose=OuterRef("confirmation_purpose_key"))
        )
    )


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
