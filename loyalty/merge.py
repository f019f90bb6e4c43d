"""A merge moves the duplicate's points to the survivor (R17)."""

from datetime import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from clients.models import Client
from loyalty import ledger
from loyalty.models import EntryKind, PointsEntry


@transaction.atomic
def client_points_merge(
    *, survivor: Client, duplicate: Client, user=None, now: datetime | None = None
) -> list[PointsEntry]:
    """Move all the duplicate's points to the survivor (R17): each still-pending lot keeps its
    available_at (and its ticket, action and beneficiary, for later take-backs, R15); the
    rest moves at once, negative or not. The duplicate ends with 0 pending, 0 redeemable.
    """
    now = now or timezone.now()
    balances = ledger.balances_lock([survivor.pk, duplicate.pk])
    lots = [
        row
        for row in PointsEntry.objects.filter(client_id=duplicate.pk, available_at__gt=now)
        .values("available_at", "ticket_id", "action", "beneficiary")
        .annotate(points=Sum("points"))
        .order_by("available_at", "ticket_id", "action", "beneficiary")
        if row["points"]
    ]
    rest = balances[duplicate.pk].total - sum(lot["points"] for lot in lots)
    if rest:
        lots.append(
            {
                "available_at": now,
                "ticket_id": None,
                "action": "",
                "beneficiary": "",
                "points": rest,
            }
        )
    moved_before = PointsEntry.objects.filter(
        client_id=duplicate.pk, kind=EntryKind.MERGE_OUT
    ).count()
    entries = []
    for number, lot in enumerate(lots, start=moved_before + 1):
        common = {
            "ticket_id": lot["ticket_id"],
            "action": lot["action"],
            "beneficiary": lot["beneficiary"],
            "created_at": now,
            "available_at": lot["available_at"],
            "created_by": user,
        }
        entries.append(
            PointsEntry(
                client=duplicate,
                points=-lot["points"],
                kind=EntryKind.MERGE_OUT,
                memo=f"Merged into client #{survivor.pk}",
                idempotency_key=f"merge:{duplicate.pk}:{number}:out",
                **common,
            )
        )
        entries.append(
            PointsEntry(
                client=survivor,
                points=lot["points"],
                kind=EntryKind.MERGE_IN,
                memo=f"Merged from client #{duplicate.pk}",
                idempotency_key=f"merge:{duplicate.pk}:{number}:in",
                **common,
            )
        )
    return ledger.entries_post(entries)
