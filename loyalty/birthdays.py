"""Birthday points (R63): the daily `award_birthdays` job's one service."""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from clients.models import Client
from loyalty import ledger
from loyalty.birthday_rules import birthday_days_of_month, is_birthday
from loyalty.models import EntryKind, PointsEntry
from loyalty.selectors import loyalty_settings_get
from messaging.services import sms_queue
from salon.errors import DomainError
from salon.money import points_to_dollars
from salon.selectors import features_get
from tickets.models import Ticket, TicketStatus

logger = logging.getLogger(__name__)


def birthday_key(*, client_id: int, year: int) -> str:
    return f"birthday:{client_id}:{year}"


def birthday_text(*, client: Client, points: int) -> str:
    return (
        f"Happy birthday, {client.first_name}! {points} points (${points_to_dollars(points)}) "
        "are waiting for you."
    )


def birthdays_award(*, now: datetime | None = None) -> list[PointsEntry]:
    """Give `birthday_points`, redeemable at once, to each client whose birthday is today
    (the salon's local date) and who has a closed ticket; once per (client, calendar year);
    a text when they consent (R63). Never tombstones, never with the feature off or the
    points at 0. Safe to run any number of times: the entry's key is per (client, year)."""
    now = now or timezone.now()
    points = loyalty_settings_get().birthday_points
    if points == 0 or not features_get().rewards_referrals:
        return []
    today = timezone.localdate(now)
    awarded = PointsEntry.objects.filter(
        client_id=OuterRef("pk"), kind=EntryKind.BIRTHDAY, created_at__year=today.year
    )
    visited = Ticket.objects.filter(client_id=OuterRef("pk"), status=TicketStatus.CLOSED)
    candidates = (
        Client.objects.filter(
            merged_into__isnull=True,
            birthday__isnull=False,
            birthday__month=today.month,
            birthday__day__in=birthday_days_of_month(today),
        )
        .filter(Exists(visited))
        .exclude(Exists(awarded))
        .order_by("pk")
    )
    entries = []
    for client in candidates:
        if not is_birthday(birthday=client.birthday, today=today):
            continue  # 29 February on the 28th of a leap year: tomorrow is the day
        # One transaction per client: a bad phone number holds back nobody's points.
        with transaction.atomic():
            key = birthday_key(client_id=client.pk, year=today.year)
            if PointsEntry.objects.filter(idempotency_key=key).exists():
                continue
            entries += ledger.entries_post(
                [
                    PointsEntry(
                        client=client,
                        points=points,
                        kind=EntryKind.BIRTHDAY,
                        created_at=now,
                        available_at=now,
                        memo=f"Happy birthday {today.year}",
                        idempotency_key=key,
                    )
                ]
            )
            if client.sms_consent and client.phone:
                try:
                    with transaction.atomic():
                        sms_queue(
                            to=str(client.phone),
                            body=birthday_text(client=client, points=points),
                            purpose=key,
                            client_id=client.pk,
                        )
                except DomainError as refused:
                    logger.warning("No birthday text for client %s: %s", client.pk, refused)
    return entries
