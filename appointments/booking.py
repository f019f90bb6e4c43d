"""Booking (R12, R35, R36, R42): an appointment booked or rescheduled, a product reserved;
who is free when is appointments.scheduling."""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from appointments import scheduling
from appointments.errors import (
    AppointmentNotReschedulable,
    InvalidQuantity,
    SlotUnavailable,
    StaffDoubleBooked,
    StartInPast,
    StartWithoutTimeZone,
)
from appointments.models import (
    Appointment,
    AppointmentStatus,
    ProductReservation,
)
from catalog.models import Item, ItemKind
from catalog.services import duration_check
from clients.errors import ClientMerged
from clients.models import Client, ClientSource
from salon.errors import InvalidSource
from salon.users import acting_user
from staff.models import Staff
from staff.selectors import salon_keeps_schedules

# Bookings the client makes themselves: they must pick a listed start (R42).
SELF_BOOKED_SOURCES = (ClientSource.APP, ClientSource.ONLINE)

# Ticket states, spelled out: tickets sits below appointments and is never imported here.
TICKET_OPEN, TICKET_CLOSED = "open", "closed"


def _salon_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The start and end of `day` in the salon's time zone (TIME_ZONE), as aware datetimes."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), zone)
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone)
    return start, end


def _salon_date(moment: datetime) -> date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _client_check(client: Client) -> None:
    if client.is_tombstone:
        raise ClientMerged(field="client")


def is_prebooked(*, client: Client, start: datetime, now: datetime) -> bool:
    """R12: booked for a later salon day while the client has a ticket closed, or open,
    today (salon time) — i.e. rebooked at checkout.

    The tickets are reached through the reverse relation `client.tickets` (Ticket.client's
    related_name), because tickets imports appointments and never the other way round.
    """
    today = _salon_date(now)
    if _salon_date(start) <= today:
        return False
    day_start, day_end = _salon_day_bounds(today)
    return client.tickets.filter(
        Q(status=TICKET_CLOSED, closed_at__gte=day_start, closed_at__lt=day_end)
        | Q(status=TICKET_OPEN, created_at__gte=day_start, created_at__lt=day_end)
    ).exists()


def _start_check(start: datetime, *, now: datetime) -> None:
    if start is None or timezone.is_naive(start):
        raise StartWithoutTimeZone(field="start")
    if start <= now:
        raise StartInPast(field="start")


def _staff_assign(
    *,
    staff: Staff | None,
    start: datetime,
    minutes: int,
    source: str,
    allow_overlap: bool,
    now: datetime,
    exclude_id: int | None = None,
) -> Staff | None:
    """R42, in one place for booking and rescheduling: which staff member the appointment
    occupies, refusing an inactive one and overlaps (the desk may override), and making a
    client's own booking take a listed start when the salon keeps schedules."""
    if source in SELF_BOOKED_SOURCES and salon_keeps_schedules():
        return scheduling.slot_staff(
            start=start, minutes=minutes, staff=staff, now=now, exclude_id=exclude_id
        )
    if staff is None:
        return None
    (staff,) = scheduling.staff_lock([staff.pk])
    if source in SELF_BOOKED_SOURCES:
        # A client never overrides, and never reads who else is booked.
        try:
            scheduling.staff_time_check(
                staff=staff,
                start=start,
                minutes=minutes,
                allow_overlap=False,
                exclude_id=exclude_id,
            )
        except StaffDoubleBooked as refused:
            raise SlotUnavailable() from refused
        return staff
    scheduling.staff_time_check(
        staff=staff,
        start=start,
        minutes=minutes,
        allow_overlap=allow_overlap,
        exclude_id=exclude_id,
    )
    return staff


def _booking_check(
    *,
    client: Client,
    item: Item,
    start: datetime,
    source: str = ClientSource.FRONT_DESK,
    duration_minutes: int,
    now: datetime | None = None,
) -> None:
    """Every rule a new booking must pass (R35); raises DomainError naming the field."""
    now = now or timezone.now()
    _client_check(client)
    scheduling.item_check(item, kind=ItemKind.SERVICE, noun="service")
    _start_check(start, now=now)
    if source not in ClientSource.values:
        raise InvalidSource.naming(source)
    duration_check(duration_minutes)


@transaction.atomic
def appointment_book(
    *,
    client: Client,
    item: Item,
    start: datetime,
    source: str = ClientSource.FRONT_DESK,
    staff: Staff | None = None,
    duration_minutes: int | None = None,
    allow_overlap: bool = False,
    user=None,
    now: datetime | None = None,
) -> Appointment:
    """Book a service for a client (R35, R42); `prebooked` is decided now, once (R12).

    The appointment lasts the item's duration unless given, and occupies its staff member:
    an overlap is refused unless `allow_overlap` (the desk's override; never for a client's
    own booking). A client's own booking (app, online) in a salon that keeps schedules must
    take a listed start, and gets the first free staff member by name if it names none."""
    now = now or timezone.now()
    if duration_minutes is None:
        duration_minutes = item.duration_minutes
    client = Client.objects.select_for_update().get(pk=client.pk)
    _booking_check(
        client=client,
        item=item,
        start=start,
        source=source,
        duration_minutes=duration_minutes,
        now=now,
    )
    staff = _staff_assign(
        staff=staff,
        start=start,
        minutes=duration_minutes,
        source=source,
        allow_overlap=allow_overlap,
        now=now,
    )
    appointment = Appointment(
        client=client,
        item=item,
        start=start,
        source=source,
        staff=staff,
        duration_minutes=duration_minutes,
        prebooked=is_prebooked(client=client, start=start, now=now),
        created_by=acting_user(user),
    )
    appointment.full_clean()
    appointment.save()
    return appointment


UNCHANGED = object()

RESCHEDULABLE = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime | None = None,
    staff: Staff | object | None = UNCHANGED,
    allow_overlap: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Move a booked or confirmed appointment to another start and/or staff member (R42),
    by the rules of a booking from its source. A new start asks the client to confirm
    again: a confirmed appointment goes back to booked and its confirmation round moves on,
    so the next send_confirmations texts the new time once (R38)."""
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status not in RESCHEDULABLE:
        raise AppointmentNotReschedulable(
            f"A {appointment.get_status_display().lower()} appointment can't be moved."
        )
    moved = start is not None and start != appointment.start
    if moved:
        _start_check(start, now=now)
    new_start = start if moved else appointment.start
    new_staff = appointment.staff if staff is UNCHANGED else staff
    if not moved and new_staff == appointment.staff:
        return appointment
    appointment.staff = _staff_assign(
        staff=new_staff,
        start=new_start,
        minutes=appointment.duration_minutes,
        source=ClientSource.FRONT_DESK,
        allow_overlap=allow_overlap,
        now=now,
        exclude_id=appointment.pk,
    )
    if moved:
        appointment.start = new_start
        appointment.status = AppointmentStatus.BOOKED
        appointment.confirmation_round += 1
    appointment.full_clean()
    appointment.save()
    return appointment


@transaction.atomic
def reservation_create(
    *,
    client: Client,
    item: Item,
    quantity: int = 1,
    source: str = ClientSource.FRONT_DESK,
    user=None,
) -> ProductReservation:
    """Put a product aside for a client (R36)."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    _client_check(client)
    scheduling.item_check(item, kind=ItemKind.PRODUCT, noun="product")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidQuantity(field="quantity")
    if source not in ClientSource.values:
        raise InvalidSource.naming(source)
    reservation = ProductReservation(
        client=client,
        item=item,
        quantity=quantity,
        source=source,
        created_by=acting_user(user),
    )
    reservation.full_clean()
    reservation.save()
    return reservation
