"""A merge moves the duplicate's points to the survivor (R17), lot by lot with their dates
(R53), and settles the survivor's tier (R61)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from clients.merge import merged_from_note, merged_into_note
from clients.models import Client
from loyalty import ledger
from loyalty.models import EntryKind, PointsEntry, PointsLot
from loyalty.tiers import client_tier_merge
from salon.users import acting_user


@transaction.atomic
def client_loyalty_merge(
    *, survivor: Client, duplicate: Client, user=None, now: datetime | None = None
) -> None:
    """Everything loyalty holds for the duplicate goes to the survivor: points, then the
    tier. tickets' receiver has moved the tickets already (it is connected first, by
    INSTALLED_APPS order), so the survivor's qualifying spend is the merged one."""
    now = now or timezone.now()
    client_points_merge(survivor=survivor, duplicate=duplicate, user=user, now=now)
    client_tier_merge(survivor_id=survivor.pk, duplicate_id=duplicate.pk, user=user, now=now)


@transaction.atomic
def client_points_merge(
    *, survivor: Client, duplicate: Client, user=None, now: datetime | None = None
) -> list[PointsEntry]:
    """Move all the duplicate's points to the survivor (R17): each lot moves with what it
    still holds and its `expires_on` (R53); a still-pending one keeps its available_at, and
    every one its ticket, action and beneficiary, for later take-backs (R15, R52). A debt
    moves at once, drawn from the survivor's lots. The duplicate ends with 0 pending, 0
    redeemable.
    """
    now = now or timezone.now()
    balances = ledger.balances_lock([survivor.pk, duplicate.pk])
    ledger.debts_settle(client_ids=[survivor.pk, duplicate.pk], now=now)
    lots = list(
        PointsLot.objects.filter(client_id=duplicate.pk, remaining__gt=0)
        .select_related("entry")
        .order_by("pk")
    )
    moves = [
        {
            "lot": lot,
            "points": lot.remaining,
            "ticket_id": lot.entry.ticket_id,
            "action": lot.entry.action,
            "beneficiary": lot.entry.beneficiary,
            "available_at": max(lot.available_at, now),
        }
        for lot in lots
    ]
    rest = balances[duplicate.pk].total - sum(move["points"] for move in moves)
    if rest:
        moves.append(
            {
                "lot": None,
                "points": rest,
                "ticket_id": None,
                "action": "",
                "beneficiary": "",
                "available_at": now,
            }
        )
    debts = list(PointsLot.objects.filter(client_id=duplicate.pk, remaining__lt=0).order_by("pk"))
    moved_before = PointsEntry.objects.filter(
        client_id=duplicate.pk, kind=EntryKind.MERGE_OUT
    ).count()
    entries = []
    for number, move in enumerate(moves, start=moved_before + 1):
        common = {
            "ticket_id": move["ticket_id"],
            "action": move["action"],
            "beneficiary": move["beneficiary"],
            "created_at": now,
            "available_at": move["available_at"],
            "created_by": acting_user(user),
        }
        out = PointsEntry(
            client=duplicate,
            points=-move["points"],
            kind=EntryKind.MERGE_OUT,
            memo=merged_into_note(survivor.pk),
            idempotency_key=f"merge:{duplicate.pk}:{number}:out",
            **common,
        )
        moved_in = PointsEntry(
            client=survivor,
            points=move["points"],
            kind=EntryKind.MERGE_IN,
            memo=merged_from_note(duplicate.pk),
            idempotency_key=f"merge:{duplicate.pk}:{number}:in",
            **common,
        )
        if move["lot"] is not None:
            out.draws, out.debt = [(move["lot"].pk, move["points"])], 0
            moved_in.expires_on, moved_in.expiry_fixed = move["lot"].expires_on, True
        elif rest < 0:
            # The duplicate's debts are cleared by the move and become the survivor's.
            out.draws = [(debt.pk, debt.remaining) for debt in debts]
            out.debt = 0
            ledger.debit_plan(moved_in, now=now)
        else:
            moved_in.expiry_fixed = True  # points no lot held (R51: never)
        entries += [out, moved_in]
    return ledger.entries_post(entries)
