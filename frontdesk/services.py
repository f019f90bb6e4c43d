"""Writes the front desk composes from several apps: sending a ticket's receipt (R49).

Texts go through messaging's queue (R39: recorded, sent by the task worker once the
transaction commits, never to an opted-out number); e-mails are recorded here and sent by
the task worker through Django's EMAIL_BACKEND. Either is sent once per ticket and channel
unless staff send it again on purpose (`resend`).
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from frontdesk.errors import NoEmailAddress, ReceiptWithoutClient, UnknownReceiptChannel
from frontdesk.models import ReceiptEmail, ReceiptEmailStatus
from frontdesk.receipts import Receipt, ticket_receipt
from messaging.errors import NoSmsConsent
from messaging.models import Message
from messaging.selectors import phone_is_opted_out
from messaging.services import sms_queue
from tickets.models import Ticket

logger = logging.getLogger(__name__)

SMS = "sms"
EMAIL = "email"
CHANNELS = (SMS, EMAIL)
# Each channel in the desk's words.
CHANNEL_WORDS = {SMS: "text", EMAIL: "e-mail"}


@dataclass(frozen=True)
class ReceiptSent:
    channel: str
    to: str
    # False when this ticket's receipt had already gone out by this channel (no resend).
    queued: bool

    @property
    def message(self) -> str:
        """What the desk is told, on the receipt page and on the checkout screen alike."""
        way = CHANNEL_WORDS[self.channel]
        if self.queued:
            return f"The receipt is on its way by {way}."
        return f"The receipt was already sent by {way}."


def _purpose(ticket_id: int, channel: str, number: int) -> str:
    return f"receipt:ticket:{ticket_id}:{channel}:{number}"


def _sends_so_far(*, ticket_id: int, channel: str) -> int:
    prefix = f"receipt:ticket:{ticket_id}:{channel}:"
    if channel == SMS:
        return Message.objects.filter(purpose__startswith=prefix).count()
    return ReceiptEmail.objects.filter(purpose__startswith=prefix).count()


def receipt_sends_so_far(*, ticket_id: int) -> dict[str, int]:
    """How many times the receipt went out by each channel (the admin offers "again")."""
    return {channel: _sends_so_far(ticket_id=ticket_id, channel=channel) for channel in CHANNELS}


def receipt_sms_body(receipt: Receipt) -> str:
    """The receipt as one short text: who, how much, and the points."""
    when = receipt.closed_at.strftime("%b %-d") if receipt.closed_at else ""
    parts = [f"{receipt.salon_name} receipt #{receipt.number} {when}: total ${receipt.total:,.2f}."]
    if receipt.tips:
        parts.append(f"Tips ${receipt.tips:,.2f}.")
    if receipt.points is not None:
        if receipt.points.earned:
            parts.append(f"You earned {receipt.points.earned:,} points.")
        parts.append(
            f"Balance: {receipt.points.redeemable:,} points ready, "
            f"{receipt.points.pending:,} pending."
        )
    if receipt.footer:
        parts.append(receipt.footer)
    return " ".join(parts)


@transaction.atomic
def receipt_send(
    *, ticket: Ticket, channel: str, resend: bool = False, now: datetime | None = None
) -> ReceiptSent:
    """Queue a closed or voided ticket's receipt by text or e-mail (R49).

    A text needs the client's consent and a number that never texted STOP; an e-mail needs
    an address. Once per ticket and channel: without `resend`, a receipt already sent that
    way is not sent again (`queued` False).
    """
    if channel not in CHANNELS:
        raise UnknownReceiptChannel(field="channel")
    receipt = ticket_receipt(ticket_id=ticket.pk, now=now)
    client = Ticket.objects.select_related("client").get(pk=ticket.pk).client
    if client is None:
        raise ReceiptWithoutClient()
    if channel == SMS:
        to = str(client.phone) if client.phone else ""
        if not (to and client.sms_consent) or phone_is_opted_out(phone=to):
            raise NoSmsConsent(
                "This client hasn't agreed to texts (or texted STOP): e-mail or print the receipt."
            )
    else:
        to = client.email
        if not to:
            raise NoEmailAddress()
    sent_before = _sends_so_far(ticket_id=ticket.pk, channel=channel)
    if sent_before and not resend:
        return ReceiptSent(channel=channel, to=to, queued=False)
    purpose = _purpose(ticket.pk, channel, sent_before + 1)
    if channel == SMS:
        sms_queue(to=to, body=receipt_sms_body(receipt), purpose=purpose, client_id=client.pk)
    else:
        _email_queue(receipt=receipt, to=to, purpose=purpose, ticket=ticket)
    return ReceiptSent(channel=channel, to=to, queued=True)


def _email_queue(*, receipt: Receipt, to: str, purpose: str, ticket: Ticket) -> None:
    email = ReceiptEmail(
        ticket_id=ticket.pk,
        to=to,
        subject=f"Your receipt from {receipt.salon_name} (#{receipt.number})",
        body=render_to_string("frontdesk/receipt_email.txt", {"receipt": receipt}),
        purpose=purpose,
    )
    try:
        with transaction.atomic():
            email.save()
    except IntegrityError:
        return  # a concurrent request queued this very send first
    transaction.on_commit(partial(_enqueue_email, email.pk))


def _enqueue_email(receipt_email_id: int) -> None:
    from frontdesk.tasks import send_receipt_email

    send_receipt_email.enqueue(receipt_email_id)


@transaction.atomic
def receipt_email_deliver(*, receipt_email_id: int, now: datetime | None = None) -> str:
    """Send one queued receipt e-mail; the background task's body. The row stays locked
    while the backend sends, so two workers never send it twice; a failure is recorded
    (staff may send it again). Returns the status."""
    email = ReceiptEmail.objects.select_for_update().filter(pk=receipt_email_id).first()
    if email is None:
        return "missing"
    if email.status != ReceiptEmailStatus.QUEUED:
        return email.status
    try:
        send_mail(email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [email.to])
    except Exception as exc:
        logger.warning("Receipt e-mail %s failed: %s", email.pk, exc)
        email.status = ReceiptEmailStatus.FAILED
        email.error = f"{type(exc).__name__}: {exc}"[:500]
        email.save(update_fields=["status", "error"])
        return email.status
    email.status = ReceiptEmailStatus.SENT
    email.sent_at = now or timezone.now()
    email.save(update_fields=["status", "sent_at"])
    return email.status
