"""Status changes of appointments and product reservations (R35, R48), and a merge's move
of their rows (R17). Booking is appointments.booking; confirmations are
appointments.confirmations."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from appointments.errors import (
    NoShowBeforeStart,
    ReservationNotReserved,
    StatusChangeRefused,
)
from appointments.models import (
    Appointment,
    AppointmentStatus,
    ProductReservation,
    ReservationStatus,
)
from clients.models import Client
from messaging.services import (
    messages_move_client,
)

logger = logging.getLogger(__name__)

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
def appointment_confirm(*, appointment: Appointment) -> Appointment:
    """booked → confirmed (the client said yes, by text or to the front desk)."""
    return _appointment_move(appointment=appointment, to=AppointmentStatus.CONFIRMED)


@transaction.atomic
def appointment_cancel(*, appointment: Appointment) -> Appointment:
    """booked or confirmed → cancelled."""
    return _appointment_move(appointment=appointment, to=AppointmentStatus.CANCELLED)


@transaction.atomic
def appointment_check_in(*, appointment: Appointment) -> Appointment:
    """booked or confirmed → arrived (the client is at the desk)."""
    return _appointment_move(appointment=appointment, to=AppointmentStatus.ARRIVED)


@transaction.atomic
def appointment_no_show(*, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """booked or confirmed → no show, once its start has passed."""
    now = now or timezone.now()
    if appointment.start > now:
        raise NoShowBeforeStart(field="status")
    return _appointment_move(appointment=appointment, to=AppointmentStatus.NO_SHOW)


@transaction.atomic
def appointment_complete(*, appointment: Appointment) -> Appointment:
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
def reservation_cancel(*, reservation: ProductReservation) -> ProductReservation:
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
