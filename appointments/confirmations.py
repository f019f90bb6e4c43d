"""Text confirmations (R38) and the client's texted reply (R39): confirm, or stop texts."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from appointments import scheduling
from appointments.models import (
    Appointment,
    AppointmentStatus,
)
from appointments.selectors import confirmation_purpose, with_confirmation_texted
from appointments.services import appointment_confirm
from clients.models import Client
from clients.services import client_update
from messaging.models import Message
from messaging.services import (
    STOP_WORDS,
    keyword_of,
    message_link_client,
    sms_queue,
)
from salon.errors import DomainError
from salon.selectors import features_get

logger = logging.getLogger(__name__)
CONFIRM_WORDS = frozenset({"C", "Y", "YES", "CONFIRM"})


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
