"""Writes for appointments, product reservations and text confirmations (R12, R35-R38,
R42; who is free when is appointments.scheduling)."""

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from appointments import scheduling
from appointments.errors import (
    AppointmentNotReschedulable,
    ClientMergedBooking,
    InvalidDuration,
    InvalidQuantity,
    InvalidSource,
    ItemInactive,
    NoShowBeforeStart,
    ReservationNotReserved,
    SlotUnavailable,
    StaffDoubleBooked,
    StartInPast,
    StartWithoutTimeZone,
    StatusChangeRefused,
    WrongItemKind,
)
from appointments.models import (
    Appointment,
    AppointmentStatus,
    ProductReservation,
    ReservationStatus,
)
from appointments.selectors import confirmation_purpose, with_confirmation_texted
from catalog.models import Item, ItemKind
from clients.models import Client, ClientSource
from clients.services import client_update
from messaging.models import Message
from messaging.services import (
    STOP_WORDS,
    keyword_of,
    message_link_client,
    messages_move_client,
    sms_queue,
)
from salon.errors import DomainError
from salon.selectors import features_get
from staff.models import Staff
from staff.selectors import salon_keeps_schedules

logger = logging.getLogger(__name__)

MAX_DURATION_MINUTES = scheduling.MAX_DURATION_MINUTES
# Bookings the client makes themselves: they must pick a listed start (R42).
SELF_BOOKED_SOURCES = (ClientSource.APP, ClientSource.ONLINE)
CONFIRM_WORDS = frozenset({"C", "Y", "YES", "CONFIRM"})
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
        raise ClientMergedBooking(field="client")


def _item_check(item: Item, *, kind: str, noun: str) -> None:
    if item.kind != kind:
        raise WrongItemKind(
            f"Choose a {noun}: “{item}” is a {item.get_kind_display()}.", field="item"
        )
    if not item.active:
        raise ItemInactive(f"“{item}” is no longer offered.", field="item")


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
    _item_check(item, kind=ItemKind.SERVICE, noun="service")
    _start_check(start, now=now)
    if source not in ClientSource.values:
        raise InvalidSource(f"“{source}” is not a valid source.", field="source")
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not 1 <= duration_minutes <= MAX_DURATION_MINUTES
    ):
        raise InvalidDuration(
            f"The duration is a number of minutes from 1 to {MAX_DURATION_MINUTES}.",
            field="duration_minutes",
        )


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
        created_by=user if user is not None and user.is_authenticated else None,
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
    user=None,
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


# Which states each action may start from (R35). Completing also follows a no-show,
# because a closed ticket proves the visit happened.
TRANSITIONS = {
    AppointmentStatus.CONFIRMED: {AppointmentStatus.BOOKED},
    AppointmentStatus.CANCELLED: {AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED},
    AppointmentStatus.ARRIVED: {AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED},
    AppointmentStatus.NO_SHOW: {AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED},
    AppointmentStatus.COMPLETED: {
        AppointmentStatus.BOOKED,
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.ARRIVED,
        AppointmentStatus.NO_SHOW,
    },
}


def _appointment_move(*, appointment: Appointment, to: str) -> Appointment:
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status not in TRANSITIONS[to]:
        raise StatusChangeRefused(
            f"A {appointment.get_status_display().lower()} appointment can't be marked "
            f"{AppointmentStatus(to).label.lower()}.",
            field="status",
        )
    appointment.status = to
    appointment.full_clean()
    appointment.save(update_fields=["status", "updated_at"])
    return appointment


@transaction.atomic
def appointment_confirm(*, appointment: Appointment, user=None) -> Appointment:
    """booked → confirmed (the client said yes, by text or to the front desk)."""
    return _appointment_move(appointment=appointment, to=AppointmentStatus.CONFIRMED)


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, user=None) -> Appointment:
    """booked or confirmed → cancelled."""
    return _appointment_move(appointment=appointment, to=AppointmentStatus.CANCELLED)


@transaction.atomic
def appointment_check_in(*, appointment: Appointment, user=None) -> Appointment:
    """booked or confirmed → arrived (the client is at the desk)."""
    return _appointment_move(appointment=appointment, to=AppointmentStatus.ARRIVED)


@transaction.atomic
def appointment_no_show(
    *, appointment: Appointment, user=None, now: datetime | None = None
) -> Appointment:
    """booked or confirmed → no show, once its start has passed."""
    now = now or timezone.now()
    if appointment.start > now:
        raise NoShowBeforeStart(field="status")
    return _appointment_move(appointment=appointment, to=AppointmentStatus.NO_SHOW)


@transaction.atomic
def appointment_complete(*, appointment: Appointment, user=None) -> Appointment:
    """→ completed (its ticket closed). Completing a completed appointment is a no-op."""
    current = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if current.status == AppointmentStatus.COMPLETED:
        return current
    return _appointment_move(appointment=current, to=AppointmentStatus.COMPLETED)


@transaction.atomic
def appointment_complete_for_ticket(*, appointment_id: int) -> Appointment | None:
    """A ticket for this appointment closed: complete it unless it was cancelled (idempotent)."""
    appointment = Appointment.objects.select_for_update().filter(pk=appointment_id).first()
    if appointment is None or appointment.status == AppointmentStatus.COMPLETED:
        return appointment
    if appointment.status == AppointmentStatus.CANCELLED:
        logger.warning(
            "Ticket closed for cancelled appointment %s; left cancelled.", appointment.pk
        )
        return appointment
    return appointment_complete(appointment=appointment)


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
    _item_check(item, kind=ItemKind.PRODUCT, noun="product")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidQuantity(field="quantity")
    if source not in ClientSource.values:
        raise InvalidSource(f"“{source}” is not a valid source.", field="source")
    reservation = ProductReservation(
        client=client,
        item=item,
        quantity=quantity,
        source=source,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    reservation.full_clean()
    reservation.save()
    return reservation


@transaction.atomic
def reservation_cancel(*, reservation: ProductReservation, user=None) -> ProductReservation:
    """reserved → cancelled; a fulfilled or cancelled reservation can't be cancelled."""
    reservation = ProductReservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.status != ReservationStatus.RESERVED:
        raise ReservationNotReserved(
            f"A {reservation.get_status_display().lower()} reservation can't be cancelled.",
            field="status",
        )
    reservation.status = ReservationStatus.CANCELLED
    reservation.save(update_fields=["status", "updated_at"])
    return reservation


@transaction.atomic
def reservation_fulfil(*, reservation_id: int) -> ProductReservation | None:
    """The ticket carrying this reservation closed (R36): reserved → fulfilled; idempotent."""
    reservation = ProductReservation.objects.select_for_update().filter(pk=reservation_id).first()
    if reservation is None or reservation.status != ReservationStatus.RESERVED:
        return reservation
    reservation.status = ReservationStatus.FULFILLED
    reservation.save(update_fields=["status", "updated_at"])
    return reservation


def _confirmation_text(appointment: Appointment) -> str:
    return (
        f"Salon: hi {appointment.client.first_name}, your {appointment.item.name} is on "
        f"{scheduling.when_text(appointment.start)}. Reply C to confirm."
    )


def confirmations_send_due(*, now: datetime | None = None) -> int:
    """Queue the confirmation request of every appointment due one (R38); returns how many
    were queued now. Safe to run any number of times: each appointment's request has its
    own purpose key, so it is texted once. Consent is read now, at send time.
    """
    if not features_get().text_confirmations:
        return 0
    now = now or timezone.now()
    window_end = now + timedelta(hours=settings.CONFIRMATION_HOURS_BEFORE)
    due = (
        with_confirmation_texted(Appointment.objects)
        .filter(
            status=AppointmentStatus.BOOKED,
            start__gt=now,
            start__lte=window_end,
            client__sms_consent=True,
            client__phone__isnull=False,
            client__merged_into__isnull=True,
        )
        .exclude(client__phone="")
        .exclude(confirmation_texted=True)
        .select_related("client", "item")
        .order_by("start", "pk")
    )
    queued = 0
    for appointment in due:
        # One transaction per text: a bad number doesn't hold back the others.
        try:
            with transaction.atomic():
                sms_queue(
                    to=str(appointment.client.phone),
                    body=_confirmation_text(appointment),
                    purpose=confirmation_purpose(appointment),
                    client_id=appointment.client_id,
                )
        except DomainError as refused:
            logger.warning("No confirmation for appointment %s: %s", appointment.pk, refused)
            continue
        queued += 1
    return queued


@transaction.atomic
def sms_reply_handle(
    *, message: Message, from_number: str, body: str, now: datetime | None = None
) -> str | None:
    """Act on a client's text (R38): C/Y/YES/CONFIRM confirms their earliest upcoming
    booked appointment; STOP withdraws their SMS consent. Returns the reply to send, or
    None to leave the answer to messaging (help text, opt-out notice)."""
    now = now or timezone.now()
    client = Client.objects.filter(phone=from_number, merged_into__isnull=True).first()
    if client is None:
        logger.info("Text from %s, a number no client has: %r", from_number, body)
        return None
    message_link_client(message=message, client_id=client.pk)
    keyword = keyword_of(body)
    if keyword in STOP_WORDS:
        if client.sms_consent:
            client_update(client=client, changes={"sms_consent": False})
        return None
    if keyword not in CONFIRM_WORDS:
        logger.info("Text from client %s not understood: %r", client.pk, body)
        return None
    appointment = (
        Appointment.objects.filter(client=client, status=AppointmentStatus.BOOKED, start__gt=now)
        .select_related("item")
        .order_by("start", "pk")
        .first()
    )
    if appointment is None:
        return "Salon: we found no appointment waiting for your confirmation. Call us to book."
    appointment_confirm(appointment=appointment)
    return (
        f"Salon: thanks {client.first_name}, your {appointment.item.name} on "
        f"{scheduling.when_text(appointment.start)} is confirmed."
    )


@transaction.atomic
def client_rows_move(*, survivor: Client, duplicate: Client) -> None:
    """A merge (R17): the duplicate's appointments, reservations and texts go to the survivor.

    Appointments also moves the texts, because messaging is a base app that can't hear
    about merges (it must not import clients).
    """
    # update() skips auto_now: updated_at moves too, so an app syncing the survivor's
    # appointments with ?updated_since= sees them (R75).
    now = timezone.now()
    Appointment.objects.filter(client=duplicate).update(client=survivor, updated_at=now)
    ProductReservation.objects.filter(client=duplicate).update(client=survivor, updated_at=now)
    messages_move_client(from_client_id=duplicate.pk, to_client_id=survivor.pk)
