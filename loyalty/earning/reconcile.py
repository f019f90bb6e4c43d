"""Earning, step 3: make the ledger hold what a ticket should have earned (R3-R16, R22).

Serves close, adjustment, void and payment removal alike: fetch the state, let the pure
rules say what changes, then build the entries and post them through the ledger.
"""

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from clients.selectors import client_survivor_id
from loyalty import ledger
from loyalty.actions import Action, Beneficiary
from loyalty.earning import rules
from loyalty.earning.fetch import TicketLedgerState, ticket_ledger_state
from loyalty.models import EntryKind, PointsEntry, TicketEarningSnapshot
from loyalty.promotions import promotions_for_close
from loyalty.tiers import tier_upgrade_at_close
from tickets.locks import lock_ticket
from tickets.models import Ticket, TicketStatus

ACTIONS_LABELS = dict(Action.choices)


def _pending_lots(*, ticket_id, action, beneficiary, client_id, now) -> list[tuple]:
    """(available_at, points) of the still-pending points of one (ticket, action,
    beneficiary), latest first: what a take-back takes first (R15)."""
    return list(
        PointsEntry.objects.filter(
            ticket_id=ticket_id,
            action=action,
            beneficiary=beneficiary,
            client_id=client_id,
            available_at__gt=now,
        )
        .values("available_at")
        .annotate(points=Sum("points"))
        .order_by("-available_at")
        .values_list("available_at", "points")
    )


def _earning_entries(*, state: TicketLedgerState, now: datetime) -> tuple[list, object]:
    """The entries for the difference between what the ticket should hold and what the
    ledger holds for it, one list per change (a take-back's lists are planned later, under
    the balance locks), with the snapshot row to write when the ticket is seen closed for
    the first time (R11, R16)."""
    if state.client_id is None:
        return [], None  # R11: walk-ins earn nothing
    snapshot, snapshot_row = state.snapshot, None
    if snapshot is None and state.status == TicketStatus.CLOSED:
        promotions = []
        if state.promotions_running:
            promotions = promotions_for_close(client_id=state.client_id, on=timezone.localdate(now))
        snapshot = rules.snapshot_take(state=state, promotions=promotions)
        snapshot_row = TicketEarningSnapshot(
            ticket_id=state.ticket_id,
            client_id=snapshot.client_id,
            referrer_id=snapshot.referrer_id,
            rewards_on=snapshot.rewards_on,
            rules=snapshot.rules,
            per_visit_awards=snapshot.per_visit_awards,
            earn_on=snapshot.earn_on,
            tier=snapshot.tier,
            promotions=snapshot.promotions,
            created_at=now,
        )
    changes = rules.ledger_changes(
        state=state,
        snapshot=snapshot,
        expected=rules.expected_points(state=state, snapshot=snapshot),
    )
    if not changes:
        return [], snapshot_row
    source = snapshot or state
    owners = {
        Beneficiary.CLIENT: client_survivor_id(source.client_id, source.client_merged_into_id),
    }
    if snapshot is not None:
        owners[Beneficiary.REFERRER] = client_survivor_id(
            snapshot.referrer_id, snapshot.referrer_merged_into_id
        )
    change_word = "voided" if state.status == TicketStatus.VOIDED else "adjusted"
    ticket_id = state.ticket_id
    groups = []
    for change in changes:
        owner = owners[change.beneficiary]
        if change.points > 0:
            parts = [(change.points, rules.available_at(hold_hours=state.hold_hours, now=now))]
        else:
            pending = _pending_lots(
                ticket_id=ticket_id,
                action=change.action,
                beneficiary=change.beneficiary,
                client_id=owner,
                now=now,
            )
            parts = rules.take_back_split(points=-change.points, pending=pending, now=now)
        # The client's points on this action name the promotion they were earned under (R62).
        promotion = {}
        if snapshot is not None and change.beneficiary == Beneficiary.CLIENT:
            promotion = (snapshot.promotions or {}).get(change.action) or {}
        new = []
        for offset, (points, when) in enumerate(parts):
            memo = (
                f"Ticket #{ticket_id} {change_word}"
                if change.kind == EntryKind.ADJUSTMENT
                else f"{ACTIONS_LABELS[change.action]} (ticket #{ticket_id})"
            )
            new.append(
                PointsEntry(
                    client_id=owner,
                    points=points,
                    kind=change.kind,
                    ticket_id=ticket_id,
                    action=change.action,
                    beneficiary=change.beneficiary,
                    appointment_id=state.appointment_id if points > 0 else None,
                    created_at=now,
                    available_at=when,
                    promotion_id=promotion.get("id"),
                    memo=f"{memo}, {promotion['name']}" if promotion else memo,
                    idempotency_key=(
                        f"ticket:{ticket_id}:{change.action}:{change.beneficiary}:"
                        f"{change.sequence + offset}"
                    ),
                )
            )
        groups.append(new)
    return groups, snapshot_row


def _redemption_reversals(*, state: TicketLedgerState, now: datetime) -> list[PointsEntry]:
    """Give back at once the points of redemption payments no longer on the ticket (R22)."""
    return [
        PointsEntry(
            client_id=client_survivor_id(client_id, merged_into_id),
            points=-points,
            kind=EntryKind.REDEEM_REVERSAL,
            ticket_id=state.ticket_id,
            payment_id=payment_id,
            created_at=now,
            available_at=now,
            memo=f"Points payment on ticket #{state.ticket_id} given back",
            idempotency_key=f"redeem_reversal:{payment_id}",
        )
        for payment_id, points, client_id, merged_into_id in rules.redemptions_to_give_back(
            state=state
        )
    ]


@transaction.atomic(savepoint=False)
def ticket_points_reconcile(
    *, ticket: Ticket, now: datetime | None = None, locked: bool = False
) -> list[PointsEntry]:
    """Make the ledger hold exactly what this ticket should have earned, and give back the
    points of removed or voided redemptions; posts only the differences, so running it again
    changes nothing (R13). Serves close, adjustment, void and payment removal alike.

    The ticket row is locked first, unless the caller holds it already (`locked`: tickets
    sends its signals from the transaction that locked it). Then one statement reads the
    ticket's state and, on PostgreSQL, one writes the entries, snapshot and balances (P3).
    No savepoint: a failure here fails the caller's close, adjustment or void with it.
    """
    now = now or timezone.now()
    if not locked:
        lock_ticket(ticket)
    state = ticket_ledger_state(ticket_id=ticket.pk, today=timezone.localdate(now))
    entries = _redemption_reversals(state=state, now=now)
    groups, snapshot_row = _earning_entries(state=state, now=now)
    take_backs = [group for group in groups if group[0].points < 0]
    if entries or take_backs:
        # Giving back and taking back write lots that are already there: like every such
        # writer, hold the balance rows of everyone this write posts to before reading the
        # lots (R23). The ledger reads lots without row locks under them (P8).
        ledger.balances_lock(
            {entry.client_id for entry in entries}
            | {entry.client_id for group in groups for entry in group}
        )
    drawn: dict[int, int] = defaultdict(int)  # what this write's debits take from lots
    for entry in entries:
        ledger.return_plan(entry, debit_key=f"redeem:{entry.payment_id}", drawn=drawn)
    for group in groups:
        entries += group
        if group[0].points < 0:
            forfeited = ledger.take_back_plan(group, now=now, drawn=drawn)
            if forfeited is not None:
                entries.append(forfeited)
    posted = ledger.entries_post(entries, snapshot=snapshot_row, expiry_days=state.expiry_days)
    if snapshot_row is not None and state.tiers_exist:
        # After the snapshot: the ticket that crosses a tier earned at the tier before (R61).
        tier_upgrade_at_close(client_id=state.client_id, ticket_id=state.ticket_id, now=now)
    return posted
