"""Writes for client feedback (R37)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.errors import ClientMerged
from clients.models import Client
from feedback.errors import (
    FeedbackExists,
    NoSharePermission,
    RatingOutOfRange,
    TicketOfAnotherClient,
)
from feedback.models import RATING_MAX, RATING_MIN, Feedback, FeedbackSource
from salon.errors import InvalidSource, PermissionRefused
from tickets.errors import TicketNotClosed
from tickets.locks import lock_ticket
from tickets.models import Ticket, TicketStatus

SHARE_PERMISSION = "feedback.share_feedback"


@transaction.atomic
def feedback_record(
    *,
    client: Client,
    ticket: Ticket,
    rating: int,
    comment: str = "",
    share_permission: bool = False,
    source: str = FeedbackSource.FRONT_DESK,
) -> Feedback:
    """Record a client's feedback on one of their closed tickets (R37); one per ticket.

    Saved with .save(), so loyalty's post_save receiver sees it and awards `feedback`.
    """
    # Lock order: the ticket row first, then the client (SPEC: avoid deadlocks).
    ticket = lock_ticket(ticket)
    client = Client.objects.get(pk=client.pk)
    if client.is_tombstone:
        raise ClientMerged(field="client")
    if ticket.client_id != client.pk:
        raise TicketOfAnotherClient(field="ticket")
    if ticket.status != TicketStatus.CLOSED:
        raise TicketNotClosed(
            "Feedback is given on a closed ticket: this one is "
            f"{ticket.get_status_display().lower()}.",
            field="ticket",
        )
    whole = isinstance(rating, int) and not isinstance(rating, bool)
    if not (whole and RATING_MIN <= rating <= RATING_MAX):
        raise RatingOutOfRange(field="rating")
    if source not in FeedbackSource.values:
        raise InvalidSource.naming(source)
    if Feedback.objects.filter(ticket=ticket).exists():
        raise FeedbackExists(field="ticket")
    feedback = Feedback(
        client=client,
        ticket=ticket,
        rating=rating,
        comment=(comment or "").strip(),
        share_permission=bool(share_permission),
        source=source,
    )
    feedback.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError as exc:
        raise FeedbackExists(field="ticket") from exc
    return feedback


@transaction.atomic
def feedback_share(*, feedback: Feedback, user, now: datetime | None = None) -> Feedback:
    """Mark feedback as shared online (R37): staff holding `feedback.share_feedback` (the
    Manager group by default), only when the client gave permission; idempotent.

    Saved with .save(), so loyalty's post_save receiver sees `shared` and awards it once.
    """
    if user is None or not user.is_active or not user.has_perm(SHARE_PERMISSION):
        raise PermissionRefused("Only staff allowed to share feedback (Managers) may do this.")
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if not feedback.share_permission:
        raise NoSharePermission(field="share_permission")
    if feedback.shared:
        return feedback
    feedback.shared = True
    feedback.shared_at = now or timezone.now()
    feedback.shared_by = user
    feedback.full_clean(validate_unique=False)
    feedback.save()
    return feedback


@transaction.atomic
def feedback_move_client(*, survivor: Client, duplicate: Client) -> int:
    """A merge (R17): the duplicate's feedback follows its tickets to the survivor."""
    return Feedback.objects.filter(client=duplicate).update(client=survivor)
