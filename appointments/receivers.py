"""appointments listens to the apps that must not know it (SPEC §1)."""

import logging

from appointments.services import (
    appointment_complete_for_ticket,
    client_rows_move,
    reservation_fulfil,
    sms_reply_handle,
)

logger = logging.getLogger(__name__)

TICKET_CLOSED = "closed"


def ticket_saved(sender, instance, raw=False, **kwargs):
    """A ticket that closes fulfils its reservation (R36) and completes its appointment.

    tickets imports appointments, so it can't call us: we listen to post_save on the lazy
    sender "tickets.Ticket" and read only its fields; both services are idempotent, so
    saving a closed ticket again changes nothing.
    """
    if raw or instance.status != TICKET_CLOSED:
        return
    if instance.reservation_id is not None:
        reservation_fulfil(reservation_id=instance.reservation_id)
    if instance.appointment_id is not None:
        appointment_complete_for_ticket(appointment_id=instance.appointment_id)


def client_merged(sender, survivor, duplicate, **kwargs):
    """clients announces a merge inside its transaction; we move our own rows (R17)."""
    client_rows_move(survivor=survivor, duplicate=duplicate)


def sms_received(sender, message, from_number, body, **kwargs):
    """messaging can't know appointments; a client's C or STOP is handled here (R38).

    A failure here must not turn the provider's webhook into a 500: the service runs in
    its own savepoint, and the text is still stored and answered with help.
    """
    try:
        return sms_reply_handle(message=message, from_number=from_number, body=body)
    except Exception:
        logger.exception("Could not act on text %s from %s", message.pk, from_number)
        return None
