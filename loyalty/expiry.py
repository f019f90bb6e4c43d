"""The expiry run (R54): lots past their date give up what they still hold, once."""

from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from loyalty import ledger
from loyalty import lots as lot_rules
from loyalty.models import Allocation, EntryKind, PointsEntry, PointsLot


def _expiry_entries(*, client_ids, now: datetime) -> list[PointsEntry]:
    """One `expire` entry per lot of these clients past its date with points left, drawing
    them from it (R54), immediate. Keys count the lot's earlier expiries, so a lot that got
    points back after its date (R53) expires again, once."""
    today = lot_rules.local_date(now)
    due = list(
        PointsLot.objects.filter(client_id__in=client_ids, remaining__gt=0, expires_on__lt=today)
        .select_related("entry")
        .order_by("pk")
    )
    if not due:
        return []
    earlier = dict(
        Allocation.objects.filter(
            lot_id__in=[lot.pk for lot in due], debit__kind=EntryKind.EXPIRE, points__gt=0
        )
        .values("lot_id")
        .annotate(count=Count("id"))
        .values_list("lot_id", "count")
    )
    entries = []
    for lot in due:
        posted_on = lot_rules.local_date(lot.created_at)
        entry = PointsEntry(
            client_id=lot.client_id,
            points=-lot.remaining,
            kind=EntryKind.EXPIRE,
            ticket_id=lot.entry.ticket_id,
            created_at=now,
            available_at=now,
            memo=f"Points of {posted_on:%-d %b %Y} expired at the end of "
            f"{lot.expires_on:%-d %b %Y}",
            idempotency_key=f"expire:{lot.pk}:{earlier.get(lot.pk, 0) + 1}",
        )
        entry.draws, entry.debt = [(lot.pk, lot.remaining)], 0
        entries.append(entry)
    return entries


@transaction.atomic
def client_points_expire(*, client_ids, now: datetime | None = None) -> list[PointsEntry]:
    """Settle these clients' debts, then expire their lots past their date (R54). Safe to
    run any number of times: a lot with nothing left posts nothing."""
    now = now or timezone.now()
    ids = sorted(set(client_ids))
    ledger.balances_lock(ids)
    ledger.debts_settle(client_ids=ids, now=now)
    return ledger.entries_post(_expiry_entries(client_ids=ids, now=now))


def points_expire_due(*, now: datetime | None = None, batch: int = 200) -> int:
    """The daily run (R54): every client with lots past their date or debts to settle,
    `batch` clients a transaction so that no lock is held for long. Returns the number of
    `expire` entries posted; a second run posts none."""
    now = now or timezone.now()
    due = PointsLot.objects.filter(
        Q(remaining__lt=0) | Q(remaining__gt=0, expires_on__lt=lot_rules.local_date(now))
    )
    client_ids = sorted(set(due.values_list("client_id", flat=True)))
    posted = 0
    for start in range(0, len(client_ids), batch):
        entries = client_points_expire(client_ids=client_ids[start : start + batch], now=now)
        posted += len(entries)
    return posted
