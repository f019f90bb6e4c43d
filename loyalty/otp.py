"""The one-time code a redemption needs when the Manager switched `redemption_otp` on (R57):
texted to the ticket's client; 6 digits, 10 minutes, 5 tries, used once
(salon/one_time_codes.py)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty.errors import OtpInvalid, OtpRequired
from loyalty.models import RedemptionCode
from messaging.errors import NoSmsConsent
from messaging.models import MessageStatus
from messaging.services import sms_queue
from salon.one_time_codes import CODE_LIFETIME, CODE_LIFETIME_MINUTES, code_new, code_refusal
from tickets.errors import TicketNotOpen, WalkInTicket
from tickets.models import Ticket, TicketStatus


@transaction.atomic
def redemption_code_send(*, ticket: Ticket, now: datetime | None = None) -> RedemptionCode:
    """Text the ticket's client a new code; only the latest one counts (R57)."""
    now = now or timezone.now()
    if ticket.status != TicketStatus.OPEN:
        raise TicketNotOpen()
    client = ticket.client
    if client is None:
        raise WalkInTicket()
    if not (client.sms_consent and client.phone):
        raise NoSmsConsent()
    code, code_hash = code_new()
    row = RedemptionCode.objects.create(
        ticket=ticket,
        client=client,
        code_hash=code_hash,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    message = sms_queue(
        to=str(client.phone),
        body=(
            f"Your code to pay with points is {code}. "
            f"It expires in {CODE_LIFETIME_MINUTES} minutes."
        ),
        purpose=f"redeem-code:{row.pk}",
        client_id=client.pk,
    )
    if message.status == MessageStatus.BLOCKED:
        raise NoSmsConsent()
    return row


def redemption_code_check(*, ticket: Ticket, code, now: datetime | None = None) -> int:
    """The id of the ticket's latest code when `code` is it, still valid; else OtpInvalid.

    Its own transaction on purpose: a wrong try is counted (committed) even though the
    redemption is refused, or the 5-try limit would never bite. The redemption marks the
    code used in its own transaction, so a refused redemption leaves it usable.
    """
    now = now or timezone.now()
    if code in (None, ""):
        raise OtpRequired()
    with transaction.atomic():
        row = (
            RedemptionCode.objects.select_for_update()
            .filter(ticket_id=ticket.pk)
            .order_by("-created_at", "-pk")
            .first()
        )
        # One refusal whatever went wrong: the desk can only ask for a new code (R57).
        refusal = code_refusal(
            row,
            code,
            now=now,
            missing=OtpInvalid(),
            expired=OtpInvalid(),
            dead=OtpInvalid(),
            wrong=lambda tries_left: OtpInvalid(),
        )
        if refusal is None:
            return row.pk
    raise refusal


def redemption_code_use(*, code_id: int, now: datetime) -> None:
    """Mark the code used, in the redemption's transaction; a code used meanwhile refuses."""
    if not RedemptionCode.objects.filter(pk=code_id, used_at__isnull=True).update(used_at=now):
        raise OtpInvalid()
