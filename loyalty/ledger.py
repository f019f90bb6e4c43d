"""The ledger: the only writer of points entries and balance totals (R14, R18, STYLE rule 6).

Entries are appended, never changed; each write moves the clients' balance totals with it
in the caller's transaction. Every other loyalty module builds entries and hands them here.
"""

from loyalty import sql
from loyalty.models import PointsBalance, PointsEntry, TicketEarningSnapshot


def balances_lock(client_ids) -> dict[int, PointsBalance]:
    """Balance rows of these clients, created if missing, locked in primary-key order (R23):
    lock, then read the balance, then write."""
    ids = sorted(set(client_ids))
    PointsBalance.objects.bulk_create(
        [PointsBalance(client_id=client_id) for client_id in ids], ignore_conflicts=True
    )
    return {
        balance.client_id: balance
        for balance in PointsBalance.objects.select_for_update()
        .filter(client_id__in=ids)
        .order_by("client_id")
    }


def entries_post(
    entries: list[PointsEntry], *, snapshot: TicketEarningSnapshot | None = None
) -> list[PointsEntry]:
    """Append entries (and a ticket's earning snapshot when one is taken) and move the
    balance totals with them, in the caller's transaction (R14, R16, R18). The upsert of
    the balances writes, and so locks, their rows in primary-key order (R23)."""
    return sql.ledger_write(entries, snapshot=snapshot)
