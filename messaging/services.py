"""Writes for text messages (R38-R40)."""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.backends.base import get_sms_backend
from messaging.errors import EmptyText, TextWithoutPurpose
from messaging.models import Direction, Message, MessageStatus, OptOut
from messaging.signals import sms_received
from salon.errors import InvalidPhone
from salon.phones import phone_parse

logger = logging.getLogger(__name__)

# Carrier-standard keywords (the ones Twilio's own opt-out handling recognises).
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_TEXT = (
    "Salon: reply C to confirm your next appointment, STOP to stop texts. "
    "Call the salon for anything else."
)
OPTED_OUT_TEXT = "Salon: you will get no more texts from us. Reply START to receive them again."
OPTED_IN_TEXT = "Salon: texts are back on. Reply STOP to stop them."


def phone_normalize(number: str, *, field: str = "to") -> str:
    """`number` in E.164, national formats read in PHONENUMBER_DEFAULT_REGION (R24)."""
    parsed = phone_parse(number, field=field)
    if parsed is None:  # a text needs a number to go to
        raise InvalidPhone(field=field)
    return parsed.as_e164


def keyword_of(body: str) -> str:
    """The text's keyword: upper-cased, surrounding spaces and punctuation dropped."""
    return (body or "").strip().strip(".!").strip().upper()


def _retry_delay(attempts: int) -> timedelta:
    """How long a text waits after its `attempts`-th failed send (R39): doubling each time."""
    if attempts <= 0:
        return timedelta(0)
    return timedelta(seconds=settings.SMS_RETRY_SECONDS * 2 ** (attempts - 1))


def _enqueue_send(message_id: int, *, run_after: datetime | None = None) -> None:
    from messaging.tasks import send_message

    task = send_message
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    task.enqueue(message_id)


@transaction.atomic
def sms_queue(*, to: str, body: str, purpose: str, client_id: int | None = None) -> Message:
    """Record a text and send it in the background once the transaction commits (R39).

    Idempotent by `purpose`: a second call with the same purpose returns the first
    message and sends nothing. A number on the opt-out list is recorded as `blocked`
    and never sent.
    """
    if not purpose or not purpose.strip():
        raise TextWithoutPurpose(field="purpose")
    if not body or not body.strip():
        raise EmptyText(field="body")
    existing = Message.objects.filter(purpose=purpose).first()
    if existing is not None:
        return existing
    number = phone_normalize(to)
    blocked = OptOut.objects.filter(phone=number).exists()
    message = Message(
        direction=Direction.OUTBOUND,
        to_number=number,
        from_number=getattr(settings, "TWILIO_FROM_NUMBER", ""),
        body=body.strip(),
        status=MessageStatus.BLOCKED if blocked else MessageStatus.QUEUED,
        purpose=purpose,
        client_id=client_id,
    )
    message.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # Another request queued the same purpose first: that one is the text.
        return Message.objects.get(purpose=purpose)
    if not blocked:
        transaction.on_commit(partial(_enqueue_send, message.pk))
    return message


def message_send(*, message_id: int, now: datetime | None = None) -> str:
    """Send one queued text through the backend; the background task's body (R39).

    The message is claimed (`sending`) before the provider is called, so it is never
    sent twice, even by two workers; a failure puts it back to `queued` for a later
    attempt, up to SMS_MAX_ATTEMPTS, then `failed`. Returns the message's status.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(pk=message_id, direction=Direction.OUTBOUND)
            .first()
        )
        if message is None:
            return "missing"
        if message.status != MessageStatus.QUEUED:
            return message.status
        if OptOut.objects.filter(phone=message.to_number).exists():
            message.status = MessageStatus.BLOCKED
            message.save(update_fields=["status", "updated_at"])
            return message.status
        message.status = MessageStatus.SENDING
        message.attempts += 1
        message.save(update_fields=["status", "attempts", "updated_at"])

    try:
        sid = get_sms_backend().send(to=message.to_number, body=message.body)
    except Exception as exc:
        logger.warning("Text %s failed (attempt %s): %s", message.pk, message.attempts, exc)
        give_up = message.attempts >= settings.SMS_MAX_ATTEMPTS
        message.status = MessageStatus.FAILED if give_up else MessageStatus.QUEUED
        message.error = f"{type(exc).__name__}: {exc}"[:2000]
        message.save(update_fields=["status", "error", "updated_at"])
        if not give_up:
            now = now or timezone.now()
            transaction.on_commit(
                partial(_enqueue_send, message.pk, run_after=now + _retry_delay(message.attempts))
            )
        return message.status

    message.status = MessageStatus.SENT
    message.provider_sid = sid or ""
    message.sent_at = now or timezone.now()
    message.error = ""
    message.save(update_fields=["status", "provider_sid", "sent_at", "error", "updated_at"])
    return message.status


@transaction.atomic
def texts_requeue_stranded(*, now: datetime | None = None) -> list[int]:
    """Give a new send task to every queued text whose task is overdue (R39); their ids.

    A text is committed `queued` and its task enqueued right after the commit: a process
    that dies in between (or a task the queue lost) leaves it queued with nothing to send
    it. Its task was due when it was queued, or its retry delay after a failed attempt; it
    is stranded SMS_STRANDED_AFTER_SECONDS after that. A second task for a text that still
    had one sends nothing twice (`message_send` claims the text first), and each requeued
    text is touched, so the next sweep leaves it alone for as long again.
    """
    now = now or timezone.now()
    grace = timedelta(seconds=settings.SMS_STRANDED_AFTER_SECONDS)
    candidates = Message.objects.filter(
        direction=Direction.OUTBOUND, status=MessageStatus.QUEUED, updated_at__lte=now - grace
    ).values_list("pk", "attempts", "updated_at")
    stranded = sorted(
        pk
        for pk, attempts, updated_at in candidates
        if updated_at + _retry_delay(attempts) + grace <= now
    )
    Message.objects.filter(pk__in=stranded, status=MessageStatus.QUEUED).update(updated_at=now)
    for message_id in stranded:
        transaction.on_commit(partial(_enqueue_send, message_id))
    return stranded


@transaction.atomic
def opt_out_add(*, phone: str) -> OptOut:
    """Put a number on the opt-out list (it texted STOP); idempotent."""
    opt_out, _ = OptOut.objects.get_or_create(phone=phone)
    return opt_out


@transaction.atomic
def opt_out_remove(*, phone: str) -> None:
    """Take a number off the opt-out list (it texted START)."""
    OptOut.objects.filter(phone=phone).delete()


@transaction.atomic
def sms_receive(*, from_number: str, to_number: str, body: str, provider_sid: str) -> str:
    """Store an inbound text, act on it once, and return the reply to answer with (R38).

    A duplicate delivery (same provider id) is not processed again: it gets the reply the
    first delivery got. messaging handles STOP/START itself; other apps listen to
    `sms_received` and may return a reply; with none, the answer is the help text.
    """
    # PostgreSQL text can't hold NUL; nothing a phone sends needs it.
    from_number, to_number, body, provider_sid = (
        value.replace("\x00", "") for value in (from_number, to_number, body, provider_sid)
    )
    existing = Message.objects.filter(
        direction=Direction.INBOUND, provider_sid=provider_sid
    ).first()
    if existing is not None:
        reply = Message.objects.filter(purpose=_reply_purpose(existing)).first()
        return reply.body if reply else ""

    try:
        sender = phone_normalize(from_number, field="From")
    except InvalidPhone:
        sender = from_number[:32]
    message = Message(
        direction=Direction.INBOUND,
        to_number=to_number[:32],
        from_number=sender,
        body=body,
        status=MessageStatus.RECEIVED,
        provider_sid=provider_sid,
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        return ""  # the same delivery is being processed right now by another request
    logger.info("Text received from %s: %r", sender, body)

    keyword = keyword_of(body)
    if keyword in STOP_WORDS:
        opt_out_add(phone=sender)
    elif keyword in START_WORDS:
        opt_out_remove(phone=sender)

    replies = sms_received.send(sender=Message, message=message, from_number=sender, body=body)
    reply_text = next((reply for _, reply in replies if isinstance(reply, str) and reply), "")
    if not reply_text:
        if keyword in STOP_WORDS:
            reply_text = OPTED_OUT_TEXT
        elif keyword in START_WORDS:
            reply_text = OPTED_IN_TEXT
        else:
            reply_text = HELP_TEXT
    Message.objects.create(
        direction=Direction.OUTBOUND,
        to_number=sender,
        from_number=message.to_number,
        body=reply_text,
        status=MessageStatus.SENT,
        purpose=_reply_purpose(message),
        client_id=message.client_id,
        attempts=1,
        sent_at=timezone.now(),
    )
    return reply_text


def _reply_purpose(inbound: Message) -> str:
    return f"reply:{inbound.provider_sid or inbound.pk}"


@transaction.atomic
def message_link_client(*, message: Message, client_id: int) -> Message:
    """Note which client an inbound text came from (a listener recognised the number)."""
    message.client_id = client_id
    message.save(update_fields=["client", "updated_at"])
    return message


def messages_move_client(*, from_client_id: int, to_client_id: int) -> int:
    """Move a merged duplicate's texts to the survivor (R17); returns how many moved."""
    return Message.objects.filter(client_id=from_client_id).update(client_id=to_client_id)
