"""The ledger: the only writer of points entries, balance totals, lots and allocations (R14,
R18, R51-R53, STYLE rule 6).

Entries are appended, never changed; each write moves the clients' balance totals with it
in the caller's transaction. Every entry that adds points starts a lot (R51); every debit
records the lots it drew from (append-only allocations, R52), and each lot's remainder
moves with them. Every other loyalty module builds entries, plans their draws with the
helpers here, and hands them here.

Locks (R23): a lot's remainder changes only under its client's balance row lock
(`balances_lock`), taken by every writer of lots that are already there (redemptions,
adjustments, take-backs and give-backs, the expiry run, debt settling, merges) before it
reads them. Lots carry no row locks of their own: one lock a client, whatever their lots.
A new lot needs none: nobody else can see it before it commits.
"""

import dataclasses
from collections import defaultdict
from datetime import date, datetime

from django.db.models import Case, F, Q, Sum, Value, When, Window
from django.db.models.functions import Coalesce

from loyalty import lots as lot_rules
from loyalty.models import (
    RETURN_KINDS,
    Allocation,
    EntryKind,
    PointsBalance,
    PointsEntry,
    PointsLot,
    TicketEarningSnapshot,
)
from loyalty.selectors import loyalty_settings_get
from loyalty.sql.ledger_write import ledger_write, lot_figures_refresh

POLICY = object()  # "read expiry_days from the settings" (R51)


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


def _is_lot(entry: PointsEntry) -> bool:
    """Every entry that adds points starts a lot (R51), except those that give points back
    to the lots they came from (R53): a reversal, a forfeited expiry, and any entry whose
    `draws` say where its points go back to."""
    return entry.points > 0 and entry.kind not in RETURN_KINDS and not hasattr(entry, "draws")


def entries_post(
    entries: list[PointsEntry],
    *,
    snapshot: TicketEarningSnapshot | None = None,
    expiry_days=POLICY,
) -> list[PointsEntry]:
    """Append entries (and a ticket's earning snapshot when one is taken) and move the
    balance totals with them, in the caller's transaction (R14, R16, R18); then the lots
    they start and what they drew from or gave back to lots (R51-R53). The upsert of the
    balances writes, and so locks, their rows in primary-key order (R23).

    A new lot's `expires_on` is the policy's (`expiry_days`, read once if the caller didn't)
    unless the entry carries `expiry_fixed` (a Manager's date or "never", a merged lot's
    date). A debit carries `draws` ([(lot id, points)], negative to give back) and `debt`
    (points no lot covered), planned by the caller under the clients' balance row locks.
    """
    lots = [entry for entry in entries if _is_lot(entry)]
    policy_lots = [entry for entry in lots if not getattr(entry, "expiry_fixed", False)]
    if policy_lots:
        if expiry_days is POLICY:
            expiry_days = loyalty_settings_get().expiry_days
        for entry in policy_lots:
            entry.expires_on = lot_rules.lot_expires_on(
                posted_at=entry.created_at, expiry_days=expiry_days
            )
    posted, lots_written = ledger_write(
        entries,
        snapshot=snapshot,
        lot_keys=[entry.idempotency_key for entry in lots],
        next_expiries=_next_expiries(lots),
    )
    _lots_post(posted, lots_written=lots_written)
    # A debit may empty the earliest lot, and a debt or a give-back's own lot changes what
    # the lots hold beyond what new lots add: the balance rows' lot figures are read again
    # from the lots. A debit draws only from its own client's lots, so these are the rows.
    lot_figures_refresh(
        entry.client_id
        for entry in posted
        if getattr(entry, "draws", None)
        or getattr(entry, "debt", 0)
        or getattr(entry, "own_lot", 0)
    )
    return posted


def _next_expiries(lots: list[PointsEntry]) -> dict[int, tuple[date, int]]:
    """Each client's earliest date among these new lots and what the lots of that date hold:
    what the balance rows' next expiry takes from them (R54). Never-expiring lots have none."""
    firsts: dict[int, tuple[date, int]] = {}
    for entry in lots:
        if entry.expires_on is None:
            continue
        on, points = firsts.get(entry.client_id, (entry.expires_on, 0))
        if entry.expires_on < on:
            on, points = entry.expires_on, 0
        if entry.expires_on == on:
            firsts[entry.client_id] = (on, points + entry.points)
    return firsts


def _new_lot(entry: PointsEntry, points: int) -> PointsLot:
    return PointsLot(
        entry_id=entry.pk,
        client_id=entry.client_id,
        points=points,
        remaining=points,
        expires_on=entry.expires_on if points > 0 else None,
        available_at=entry.available_at,
        created_at=entry.created_at,
    )


def _lots_post(entries: list[PointsEntry], *, lots_written: bool) -> None:
    """The lots these posted entries start (unless their statement wrote them), the debts
    they leave, and their allocations, each touched lot's remainder moved with them."""
    new_lots = []
    allocations = []
    deltas: dict[int, int] = defaultdict(int)
    for entry in entries:
        if _is_lot(entry) and not lots_written:
            new_lots.append(_new_lot(entry, entry.points))
        if getattr(entry, "own_lot", 0):
            new_lots.append(_new_lot(entry, entry.own_lot))
        for lot_id, points in getattr(entry, "draws", ()):
            allocations.append(
                Allocation(
                    debit_id=entry.pk, lot_id=lot_id, points=points, created_at=entry.created_at
                )
            )
            deltas[lot_id] -= points
        if getattr(entry, "debt", 0):
            new_lots.append(_new_lot(entry, -entry.debt))
    if new_lots:
        PointsLot.objects.bulk_create(new_lots)
    _lots_move(deltas)
    if allocations:
        Allocation.objects.bulk_create(allocations)


def _lots_move(deltas: dict[int, int]) -> None:
    """Add each delta to its lot's remainder, in one UPDATE."""
    deltas = {lot_id: delta for lot_id, delta in deltas.items() if delta}
    if deltas:
        PointsLot.objects.filter(pk__in=deltas).update(
            remaining=Case(
                *(
                    When(pk=lot_id, then=F("remaining") + Value(delta))
                    for lot_id, delta in deltas.items()
                )
            )
        )


# --- planning draws (R52, R53) ----------------------------------------------------------


def lot_view(lot: PointsLot) -> lot_rules.LotView:
    return lot_rules.LotView(
        id=lot.pk,
        remaining=lot.remaining,
        expires_on=lot.expires_on,
        available_at=lot.available_at,
        created_at=lot.created_at,
    )


def lots_live(client_id: int) -> list[lot_rules.LotView]:
    """A client's lots that still hold points, read under the client's balance row lock
    (the caller's `balances_lock`), not locked themselves: every writer of a lot's remainder
    holds its client's balance row first, so that row alone serializes them (R23)."""
    # No row locks and plain tuples, not model instances: a client with 1,000 lots paid for
    # 1,000 row locks on every debit (P8).
    return [
        lot_rules.LotView(*row)
        for row in PointsLot.objects.filter(client_id=client_id, remaining__gt=0).values_list(
            *LOT_FIELDS
        )
    ]


LOT_FIELDS = ("pk", "remaining", "expires_on", "available_at", "created_at")


def lots_first(client_id: int, *, points: int, now: datetime) -> list[lot_rules.LotView]:
    """The first of a client's lots in a redemption's draw order (R52) that together hold
    `points`: the ones before them hold less. Read under the client's balance row lock, as
    lots_live, but only these lots leave the database: a client with 1,000 lots shipped
    1,000 rows to every debit that draws from one or two (P8).

    The SQL mirrors lot_rules.redemption_draw_order (available, not past its date; by
    expiry date, never last, then posting time, then id); tests hold the two together, and
    the rule itself still orders and draws from what this returns."""
    today = lot_rules.local_date(now)
    order = [Coalesce("expires_on", Value(date.max)), "created_at", "pk"]
    return [
        lot_rules.LotView(*row)
        for row in PointsLot.objects.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today),
            client_id=client_id,
            remaining__gt=0,
            available_at__lte=now,
        )
        .annotate(before=Window(Sum("remaining"), order_by=order) - F("remaining"))
        .filter(before__lt=points)
        .values_list(*LOT_FIELDS)
    ]


def lots_less(lots, drawn: dict[int, int]) -> list[lot_rules.LotView]:
    """The lots as they are once `drawn` (by earlier debits of the same write) is taken."""
    return [dataclasses.replace(lot, remaining=lot.remaining - drawn[lot.id]) for lot in lots]


def debit_plan(
    entry: PointsEntry, *, now: datetime, drawn: dict[int, int] | None = None
) -> PointsEntry:
    """Mark a debit with the lots it draws from, first-expiring first among the available
    ones (R52), and the debt that no lot covers (the redeemable balance goes negative; later
    points pay it off, R15).

    Only the first lots are read (lots_first): enough for the debit and for what earlier
    debits of the same write drew, which may be among them. When they don't cover it, all
    of the client's live lots are read and the debt is what those leave."""
    drawn = defaultdict(int) if drawn is None else drawn
    today = lot_rules.local_date(now)
    taken_before = sum(points for points in drawn.values() if points > 0)

    def plan(lots):
        order = lot_rules.redemption_draw_order(lots_less(lots, drawn), now=now, today=today)
        return lot_rules.draw(-entry.points, order)

    entry.draws, entry.debt = plan(
        lots_first(entry.client_id, points=-entry.points + taken_before, now=now)
    )
    if entry.debt:
        entry.draws, entry.debt = plan(lots_live(entry.client_id))
    for lot_id, points in entry.draws:
        drawn[lot_id] += points
    return entry


def return_plan(entry: PointsEntry, *, debit_key: str, drawn: dict[int, int]) -> PointsEntry:
    """Mark a give-back (a redemption's reversal) with the lots its debit drew from, to give
    the points back to them with their own dates (R53). Points whose lot now belongs to
    another client (a merge moved it since), or that the debit drew from no lot, start a lot
    of the give-back's own, with the earliest of those dates."""
    rows = (
        Allocation.objects.filter(debit__idempotency_key=debit_key)
        .values("lot_id", "lot__client_id", "lot__expires_on")
        .annotate(points=Sum("points"))
        .order_by("lot_id")
    )
    entry.draws, entry.debt = [], 0
    dates = []
    for row in rows:
        if row["points"] <= 0:
            continue
        if row["lot__client_id"] == entry.client_id:
            entry.draws.append((row["lot_id"], -row["points"]))
            drawn[row["lot_id"]] -= row["points"]
        else:
            dates.append(row["lot__expires_on"])
    elsewhere = entry.points - sum(-part for _, part in entry.draws)
    if elsewhere > 0:
        entry.own_lot = elsewhere
        entry.expires_on = min(dates, key=lot_rules.expiry_sort_key) if dates else None
    return entry


def take_back_plan(
    entries: list[PointsEntry], *, now: datetime, drawn: dict[int, int]
) -> PointsEntry | None:
    """Mark the entries of one take-back of a ticket's points (R15, R16: one (ticket,
    action, beneficiary), pending parts first, the rest at once) with what they draw (R52).

    Each part draws from that ticket's own lots for the action and beneficiary: a pending
    part from the lots that free up with it, the part at once from the available ones. What
    of those lots already expired counts as forfeited, not taken twice: it comes back as an
    `expire` entry given back, returned here. The spent rest comes from the client's other
    lots, first-expiring first, and what none covers is a debt.
    """
    first = entries[0]
    own = [
        lot_view(lot)
        for lot in PointsLot.objects.filter(
            client_id=first.client_id,
            points__gt=0,
            entry__ticket_id=first.ticket_id,
            entry__action=first.action,
            entry__beneficiary=first.beneficiary,
        ).order_by("pk")
    ]
    own_ids = {lot.id for lot in own}
    expired = dict(
        Allocation.objects.filter(lot_id__in=own_ids, debit__kind=EntryKind.EXPIRE)
        .values("lot_id")
        .annotate(points=Sum("points"))
        .values_list("lot_id", "points")
    )
    forfeits = []
    for entry in entries:
        at_once = entry.available_at <= now
        if at_once:
            order = sorted((lot for lot in own if lot.available_at <= now), key=lot_rules.fifo_key)
        else:
            order = [lot for lot in own if lot.available_at == entry.available_at]
        draws, need = lot_rules.draw(-entry.points, lots_less(order, drawn))
        for lot_id, part in draws:
            drawn[lot_id] += part
        if need and at_once:
            for lot_id in sorted(expired):
                part = min(need, expired[lot_id])
                if part > 0:
                    expired[lot_id] -= part
                    forfeits.append((lot_id, part))
                    draws.append((lot_id, part))  # given back by the forfeit entry, then taken
                    need -= part
            others = [lot for lot in lots_live(entry.client_id) if lot.id not in own_ids]
            order = lot_rules.redemption_draw_order(
                lots_less(others, drawn), now=now, today=lot_rules.local_date(now)
            )
            more, need = lot_rules.draw(need, order)
            for lot_id, part in more:
                drawn[lot_id] += part
            draws += more
        entry.draws, entry.debt = draws, need
    if not forfeits:
        return None
    at_once = entries[-1]  # only the part taken at once meets expired lots
    forfeited = PointsEntry(
        client_id=at_once.client_id,
        points=sum(part for _, part in forfeits),
        kind=EntryKind.EXPIRE,
        ticket_id=at_once.ticket_id,
        created_at=now,
        available_at=now,
        memo=f"{at_once.memo}: its expired points are not taken twice",
        idempotency_key=f"{at_once.idempotency_key}:expired",
    )
    forfeited.draws, forfeited.debt = [(lot_id, -part) for lot_id, part in forfeits], 0
    return forfeited


def debts_settle(*, client_ids, now: datetime) -> None:
    """Pay off debts (debit points no lot covered) from lots that are available and not past
    their date, first-expiring first (R15, R52). Allocations only: the balance moved when
    the debit was posted."""
    debts = list(PointsLot.objects.filter(client_id__in=client_ids, remaining__lt=0).order_by("pk"))
    if not debts:
        return
    today = lot_rules.local_date(now)
    deltas: dict[int, int] = defaultdict(int)
    drawn: dict[int, int] = defaultdict(int)
    allocations = []
    for client_id in sorted({debt.client_id for debt in debts}):
        order = lot_rules.redemption_draw_order(lots_live(client_id), now=now, today=today)
        for debt in (debt for debt in debts if debt.client_id == client_id):
            draws, _ = lot_rules.draw(-debt.remaining, lots_less(order, drawn))
            for lot_id, points in draws:
                allocations.append(
                    Allocation(debit_id=debt.pk, lot_id=lot_id, points=points, created_at=now)
                )
                drawn[lot_id] += points
                deltas[lot_id] -= points
                deltas[debt.pk] += points
    _lots_move(deltas)
    Allocation.objects.bulk_create(allocations)
    if allocations:  # a debt paid off moves the debt and the lots it drew from
        lot_figures_refresh(debt.client_id for debt in debts)
