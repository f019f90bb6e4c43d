"""A Manager's manual correction of a client's points (R15, SPEC §10)."""

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from loyalty import ledger
from loyalty.errors import AdjustmentReasonRequired, NotAWholeNumber, ZeroPoints
from loyalty.models import EntryKind, PointsEntry
from loyalty.numbers import whole_number
from salon.errors import DomainError, PermissionRefused


@transaction.atomic
def points_adjust(
    *, client: Client, points, reason: str, user, now: datetime | None = None
) -> PointsEntry:
    """A Manager's correction of a client's points, with a reason; takes effect at once (R15).

    It is not tied to a ticket, so there are no pending points of the same (ticket, action)
    to take first: a downward adjustment lowers the redeemable balance, possibly below zero.
    """
    now = now or timezone.now()
    if user is None or not user.has_perm("loyalty.adjust_points"):
        raise PermissionRefused("Only a Manager may adjust points.")
    reason = (reason or "").strip()
    if not reason:
        raise AdjustmentReasonRequired(field="reason")
    if isinstance(points, bool):
        raise NotAWholeNumber(field="points")
    points = whole_number(points, field="points", minimum=-(10**9))
    if points == 0:
        raise ZeroPoints(field="points")
    if client.is_tombstone:
        raise DomainError("This client was merged into another; adjust the survivor.")
    entry = PointsEntry(
        client=client,
        points=points,
        kind=EntryKind.MANUAL,
        created_at=now,
        available_at=now,
        created_by=user,
        memo=reason[:255],
        idempotency_key=f"manual:{uuid.uuid4().hex}",
    )
    entry.full_clean()
    return ledger.entries_post([entry])[0]
