"""A Manager's manual correction of a client's points (R15, SPEC §10)."""

import uuid
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from clients.errors import ClientMerged
from clients.models import Client
from loyalty import ledger
from loyalty import lots as lot_rules
from loyalty.errors import (
    AdjustmentReasonRequired,
    ExpiryDateAndNever,
    ExpiryDateInPast,
    ExpiryOnDeduction,
    NotAWholeNumber,
    ZeroPoints,
)
from loyalty.expiry import client_points_expire
from loyalty.models import EntryKind, PointsEntry
from loyalty.numbers import whole_number
from salon.errors import PermissionRefused
from salon.users import acting_user


def points_adjust(
    *,
    client: Client,
    points,
    reason: str,
    user,
    now: datetime | None = None,
    expires_on: date | None = None,
    never_expires: bool = False,
) -> PointsEntry:
    """A Manager's correction of a client's points, with a reason; takes effect at once (R15).

    It is not tied to a ticket, so there are no pending points of the same (ticket, action)
    to take first: a downward adjustment draws from the available lots first-expiring first
    and lowers the redeemable balance, possibly below zero (R52). Points added expire on
    `expires_on`, never (`never_expires`), or else by the policy (R51).
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
    dated = expires_on is not None or never_expires
    if dated:
        if points < 0:
            raise ExpiryOnDeduction(field="expires_on")
        if expires_on is not None and never_expires:
            raise ExpiryDateAndNever(field="expires_on")
        if expires_on is not None and expires_on < lot_rules.local_date(now):
            raise ExpiryDateInPast(field="expires_on")
    entry = PointsEntry(
        client=client,
        points=points,
        kind=EntryKind.MANUAL,
        created_at=now,
        available_at=now,
        created_by=acting_user(user),
        memo=reason,
        idempotency_key=f"manual:{uuid.uuid4().hex}",
        expires_on=expires_on,
    )
    # The fields only (the reason's length, the date). The rest holds by construction and
    # the database holds it anyway: the client's balance row is locked below and the user is
    # the caller, the key is a fresh uuid, and the four CHECK constraints (points not zero,
    # a manual kind, available when created) are the lines above. Checking them in Python
    # cost 15 of the adjustment's 25 statements (each constraint a SELECT in a savepoint)
    # and about a third of its Python time (docs/performance.md, "P6, third pass").
    entry.full_clean(
        exclude=["client", "created_by"], validate_unique=False, validate_constraints=False
    )
    entry.expiry_fixed = dated
    return _entry_post(entry, now=now)


# Without a savepoint when nested: every refusal above comes before the transaction, and
# the tombstone's, the one inside it, leaves the caller's transaction to roll back (the
# Idempotency-Key wrapper then stores the refusal after it, salon/api/idempotency.py).
# A keyed adjustment saves the SAVEPOINT and RELEASE round trips (P6, docs/performance.md).
@transaction.atomic(savepoint=False)
def _entry_post(entry: PointsEntry, *, now: datetime) -> PointsEntry:
    client = entry.client
    # The balance lock first: a merge of this client holds it until it commits, so the
    # tombstone check below reads the merge's outcome and no points land on a tombstone.
    ledger.balances_lock([client.pk])
    if Client.objects.filter(pk=client.pk, merged_into__isnull=False).exists():
        raise ClientMerged()
    if entry.points < 0:
        client_points_expire(client_ids=[client.pk], now=now)  # locks the balance row first
        ledger.debit_plan(entry, now=now)
    return ledger.entries_post([entry])[0]
