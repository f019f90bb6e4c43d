"""Writes of the loyalty program: earning, take-backs, redemption, adjustments, merges.

Every write posts PointsEntry rows through `_post_entries`, which adds them to the clients'
balance rows (locked in primary-key order by the upsert itself) in the same transaction
(R18).
"""

import dataclasses
import functools
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.utils import timezone

from catalog.models import ItemKind
from clients.models import Client, ClientSource
from feedback.models import Feedback
from loyalty import lots as lot_rules
from loyalty.actions import (
    ACTIONS,
    FEEDBACK_ACTIONS,
    REFERRER_ELIGIBLE_ACTIONS,
    SPEND_ACTIONS,
    Action,
    Beneficiary,
)
from loyalty.errors import (
    ExpiryBeforeHold,
    ExpiryDateAndNever,
    ExpiryDateInPast,
    ExpiryOnDeduction,
    InvalidRedeemableKinds,
    InvalidReminderDays,
)
from loyalty.models import (
    RETURN_KINDS,
    Allocation,
    EarningRule,
    EntryKind,
    LoyaltySettings,
    PointsBalance,
    PointsEntry,
    PointsLot,
    TicketEarningSnapshot,
)
from loyalty.selectors import (
    SnapshotState,
    TicketLedgerState,
    client_points_balance,
    earning_rules_get,
    loyalty_settings_get,
    ticket_ledger_state,
)
from salon.errors import DomainError, PermissionRefused
from salon.selectors import features_get
from tickets.models import Payment, PaymentMethod, Ticket, TicketStatus
from tickets.services import payment_add

ACTIONS_LABELS = dict(Action.choices)
ONLINE_SOURCES = (ClientSource.ONLINE, ClientSource.APP)
REWARDS_OFF = "The Rewards & Referrals feature is switched off."


# --- ledger plumbing ------------------------------------------------------------------


def _lock_balances(client_ids) -> dict[int, PointsBalance]:
    """Balance rows of these clients, created if missing, locked in primary-key order."""
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


@functools.cache
def _insert_head(model) -> tuple[str, list, str]:
    """The INSERT's fixed part, its fields and one row's placeholders, built once per model."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    row = f"({', '.join(['%s'] * len(fields))})"
    return f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ", fields, row


def _insert_sql(model, objects: list) -> tuple[str, list]:
    """One multi-row INSERT of these objects, their values prepared as the ORM prepares them."""
    head, fields, row = _insert_head(model)
    database = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy for each value
    params = [
        field.get_db_prep_save(getattr(instance, field.attname), database)
        for instance in objects
        for field in fields
    ]
    return head + ", ".join([row] * len(objects)), params


def _balances_upsert_sql(deltas: dict[int, int]) -> tuple[str, list]:
    """Add each delta to its client's total, creating the row if missing; rows are written
    (and so locked) in primary-key order, as `_lock_balances` locks them (R18, R23)."""
    table = PointsBalance._meta.db_table
    rows = sorted(deltas.items())
    values = ", ".join(["(%s, %s)"] * len(rows))
    return (
        f"INSERT INTO {table} (client_id, total) VALUES {values} "
        f"ON CONFLICT (client_id) DO UPDATE SET total = {table}.total + excluded.total",
        [value for row in rows for value in row],
    )


_POLICY = object()  # "read expiry_days from the settings" (R51)


def _is_lot(entry: PointsEntry) -> bool:
    """Every entry that adds points starts a lot, except those that give points back to the
    lots they came from (R51, R53): a reversal, and any entry whose draws say where its
    points go back to."""
    return entry.points > 0 and entry.kind not in RETURN_KINDS and not hasattr(entry, "draws")


def _post_entries(
    entries: list[PointsEntry],
    *,
    snapshot: TicketEarningSnapshot | None = None,
    expiry_days=_POLICY,
) -> list[PointsEntry]:
    """Append entries, and a ticket's earning snapshot when one is taken, and move the
    balance totals with them, in the caller's transaction (R14, R16, R18); then the lots
    they start and what they drew from or gave back to lots (R51-R53).

    Plain SQL, and on PostgreSQL one statement: the close's writes cost one round trip, not
    five queries built by the ORM (docs/performance.md, P3). The entries are built here, by
    code; the database holds their keys, relations and CHECK constraints.

    A new lot's `expires_on` is the policy's (`expiry_days`, read once if the caller didn't)
    unless the entry carries `expiry_fixed` (a manual date or "never", a merged lot's date).
    A debit carries `draws` ([(lot id, points)], negative to give back) and `debt` (points
    no lot covered), both planned by the caller under the lots' row locks.
    """
    lots = [entry for entry in entries if _is_lot(entry)]
    policy_lots = [entry for entry in lots if not getattr(entry, "expiry_fixed", False)]
    if policy_lots:
        if expiry_days is _POLICY:
            expiry_days = loyalty_settings_get().expiry_days
        for entry in policy_lots:
            entry.expires_on = lot_rules.lot_expires_on(
                posted_at=entry.created_at, expiry_days=expiry_days
            )
    posted, lots_written = _post_rows(
        entries, snapshot=snapshot, lot_keys=[entry.idempotency_key for entry in lots]
    )
    _post_lots(posted, lots_written=lots_written)
    return posted


def _post_lots(entries: list[PointsEntry], *, lots_written: bool) -> None:
    """The lots these posted entries start (unless the entries' statement wrote them), the
    debts they leave, and their allocations, with each touched lot's remainder moved in the
    same transaction (R51-R53)."""
    new_lots = []
    allocations = []
    deltas: dict[int, int] = defaultdict(int)
    for entry in entries:
        if _is_lot(entry) and not lots_written:
            new_lots.append(
                PointsLot(
                    entry_id=entry.pk,
                    client_id=entry.client_id,
                    points=entry.points,
                    remaining=entry.points,
                    expires_on=entry.expires_on,
                    available_at=entry.available_at,
                    created_at=entry.created_at,
                )
            )
        if getattr(entry, "own_lot", 0):
            new_lots.append(
                PointsLot(
                    entry_id=entry.pk,
                    client_id=entry.client_id,
                    points=entry.own_lot,
                    remaining=entry.own_lot,
                    expires_on=entry.expires_on,
                    available_at=entry.available_at,
                    created_at=entry.created_at,
                )
            )
        for lot_id, points in getattr(entry, "draws", ()):
            allocations.append(
                Allocation(
                    debit_id=entry.pk, lot_id=lot_id, points=points, created_at=entry.created_at
                )
            )
            deltas[lot_id] -= points
        debt = getattr(entry, "debt", 0)
        if debt:
            new_lots.append(
                PointsLot(
                    entry_id=entry.pk,
                    client_id=entry.client_id,
                    points=-debt,
                    remaining=-debt,
                    expires_on=None,
                    available_at=entry.available_at,
                    created_at=entry.created_at,
                )
            )
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


def _lots_from_entries_sql() -> str:
    """On PostgreSQL, the lots that new entries start are inserted by the entries' own
    statement, from its RETURNING rows: the close stays one write (P3, R51)."""
    lot, entry = PointsLot._meta, PointsEntry._meta
    columns = ["entry", "client", "points", "remaining", "expires_on", "available_at", "created_at"]
    sources = ["id", "client_id", "points", "points", "expires_on", "available_at", "created_at"]
    quoted = ", ".join(connection.ops.quote_name(lot.get_field(name).column) for name in columns)
    returned = ", ".join(
        connection.ops.quote_name(entry.get_field(name).column)
        for name in ["client", "points", "expires_on", "available_at", "created_at"]
    )
    return (
        f"new_lots AS (INSERT INTO {lot.db_table} ({quoted}) SELECT {', '.join(sources)} "
        "FROM new_entries WHERE idempotency_key = ANY(%s))",
        f"RETURNING id, {returned}, idempotency_key",
    )


def _post_rows(
    entries: list[PointsEntry],
    *,
    snapshot: TicketEarningSnapshot | None = None,
    lot_keys: list[str] = (),
) -> tuple[list[PointsEntry], bool]:
    """The entries, the snapshot and the balance totals, as one write (P3); on PostgreSQL
    the lots of `lot_keys` too. Says whether it wrote those lots."""
    deltas: dict[int, int] = defaultdict(int)
    for entry in entries:
        deltas[entry.client_id] += entry.points
    writes = []
    if snapshot is not None:
        writes.append(_insert_sql(TicketEarningSnapshot, [snapshot]))
    if entries:
        writes.append(_balances_upsert_sql(deltas))
    if not writes:
        return [], False
    with_lots = bool(lot_keys) and connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            params = [param for _, params in writes for param in params]
            ctes = [f"w{number} AS ({sql})" for number, (sql, _) in enumerate(writes)]
            if entries:
                sql, entry_params = _insert_sql(PointsEntry, entries)
                params += entry_params
                if with_lots:
                    lots_cte, returning = _lots_from_entries_sql()
                    ctes += [f"new_entries AS ({sql} {returning})", lots_cte]
                    params.append(list(lot_keys))
                    last = "SELECT id FROM new_entries"
                else:
                    last = f"{sql} RETURNING id"
            else:  # a snapshot alone is the statement itself
                ctes, last = [], writes[0][0]
            cursor.execute(f"WITH {', '.join(ctes)} {last}" if ctes else last, params)
        else:
            if entries:
                sql, params = _insert_sql(PointsEntry, entries)
                writes.append((f"{sql} RETURNING id", params))
            for sql, params in writes:
                cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()] if entries else []
    for entry, pk in zip(entries, ids, strict=True):
        entry.pk = pk
        entry._state.adding = False
        entry._state.db = connection.alias
    return entries, with_lots


# --- lots: what each debit draws from, expiry, debts (R51-R54) ----------------------------


def _lot_view(lot: PointsLot) -> lot_rules.LotView:
    return lot_rules.LotView(
        id=lot.pk,
        remaining=lot.remaining,
        expires_on=lot.expires_on,
        available_at=lot.available_at,
        created_at=lot.created_at,
    )


def _live_lots(client_id: int) -> list[lot_rules.LotView]:
    """A client's lots that still hold points, locked in primary-key order so that two
    debits of one client serialize on them (R23)."""
    return [
        _lot_view(lot)
        for lot in PointsLot.objects.select_for_update()
        .filter(client_id=client_id, remaining__gt=0)
        .order_by("pk")
    ]


def _plan_debit(
    entry: PointsEntry, *, now: datetime, lots: list[lot_rules.LotView] | None = None
) -> PointsEntry:
    """Mark a debit with the lots it draws from, first-expiring first among the available
    ones (R52), and the debt that no lot covers (the redeemable balance goes negative; later
    points pay it off, R15)."""
    if lots is None:
        lots = _live_lots(entry.client_id)
    order = lot_rules.redemption_draw_order(lots, now=now, today=lot_rules.local_date(now))
    entry.draws, entry.debt = lot_rules.draw(-entry.points, order)
    return entry


def _expiry_entries(*, client_ids=None, now: datetime) -> list[PointsEntry]:
    """One `expire` entry per lot past its date with points left, drawing those points from
    it (R54). Keys count the lot's earlier expiries, so a lot that got points back after its
    date (R53) expires again, once."""
    today = lot_rules.local_date(now)
    due = PointsLot.objects.select_for_update().filter(remaining__gt=0, expires_on__lt=today)
    if client_ids is not None:
        due = due.filter(client_id__in=client_ids)
    due = list(due.select_related("entry").order_by("pk"))
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
        entry = PointsEntry(
            client_id=lot.client_id,
            points=-lot.remaining,
            kind=EntryKind.EXPIRE,
            ticket_id=lot.entry.ticket_id,
            created_at=now,
            available_at=now,
            memo=f"Points of {lot.created_at.date():%d %b %Y} expired on {lot.expires_on:%d %b %Y}",
            idempotency_key=f"expire:{lot.pk}:{earlier.get(lot.pk, 0) + 1}",
        )
        entry.draws, entry.debt = [(lot.pk, lot.remaining)], 0
        entries.append(entry)
    return entries


def _settlement_entries(*, client_ids, now: datetime) -> None:
    """Pay off debts (debit points no lot covered) from lots that are available and not past
    their date, first-expiring first (R15, R52). Writes allocations only: the balance moved
    when the debit was posted."""
    debts = list(
        PointsLot.objects.select_for_update()
        .filter(client_id__in=client_ids, remaining__lt=0)
        .order_by("pk")
    )
    if not debts:
        return
    today = lot_rules.local_date(now)
    deltas: dict[int, int] = defaultdict(int)
    allocations = []
    for client_id in sorted({debt.client_id for debt in debts}):
        order = lot_rules.redemption_draw_order(_live_lots(client_id), now=now, today=today)
        for debt in (debt for debt in debts if debt.client_id == client_id):
            # What earlier debts of this client drew is no longer there.
            left = [
                dataclasses.replace(lot, remaining=lot.remaining + deltas[lot.id]) for lot in order
            ]
            draws, _ = lot_rules.draw(-debt.remaining, left)
            for lot_id, points in draws:
                allocations.append(
                    Allocation(debit_id=debt.pk, lot_id=lot_id, points=points, created_at=now)
                )
                deltas[lot_id] -= points
                deltas[debt.pk] += points
    _lots_move(deltas)
    Allocation.objects.bulk_create(allocations)


@transaction.atomic
def client_points_expire(*, client_ids=None, now: datetime | None = None) -> list[PointsEntry]:
    """Settle debts, then expire every lot past its date (R54) — of these clients, or of all.
    Safe to run any number of times: a lot with nothing left posts nothing."""
    now = now or timezone.now()
    if client_ids is None:
        debtor_ids = PointsLot.objects.filter(remaining__lt=0).values_list("client_id", flat=True)
        due_ids = PointsLot.objects.filter(
            remaining__gt=0, expires_on__lt=lot_rules.local_date(now)
        ).values_list("client_id", flat=True)
        ids = sorted(set(debtor_ids) | set(due_ids))
    else:
        ids = sorted(set(client_ids))
    if not ids:
        return []
    _lock_balances(ids)
    _settlement_entries(client_ids=ids, now=now)
    return _post_entries(_expiry_entries(client_ids=ids, now=now))


def _survivor(client: Client | None) -> Client | None:
    """The client whose points these now are: a merged duplicate's points live on (R17)."""
    while client is not None and client.merged_into_id is not None:
        client = client.merged_into
    return client


def _hold(state: TicketLedgerState | None, now: datetime) -> datetime:
    """When points earned now become redeemable (R15): the hold read with the ticket's
    state, or read now."""
    hours = state.hold_hours if state is not None else None
    if hours is None:
        hours = loyalty_settings_get().hold_hours
    return now + timedelta(hours=hours)


def _whole_number(value, *, field: str, minimum: int) -> int:
    """An int >= minimum from an int or an integral Decimal/str; anything else is a 400."""
    if isinstance(value, bool):
        raise DomainError("Give a whole number.", field=field)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError("Give a whole number.", field=field) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise DomainError("Give a whole number.", field=field)
    if number < minimum:
        raise DomainError(f"Give a whole number of at least {minimum}.", field=field)
    return int(number)


def _floor_points(amount: Decimal, points: int, spend_unit: Decimal) -> int:
    """floor(amount x points / spend_unit) (R3)."""
    return int((amount * points / spend_unit).to_integral_value(rounding=ROUND_FLOOR))


# --- the ticket reconcile: close, adjustment and void alike (R3-R13, R15, R16, R22) -------


def _rule_values(rule: EarningRule) -> dict:
    return {
        "active": rule.active,
        "points": rule.points,
        "spend_unit": None if rule.spend_unit is None else str(rule.spend_unit),
        "referrer_points": rule.referrer_points,
    }


def _survivor_id(client_id: int | None, merged_into_id: int | None) -> int | None:
    """The id of the client whose points these now are (R17); a merge is rare, so the chain
    is followed only when there is one."""
    if merged_into_id is None:
        return client_id
    return _survivor(Client.objects.get(pk=merged_into_id)).pk


def _per_visit_awards(*, state: TicketLedgerState, referrer_id: int | None, rules) -> list[str]:
    """The per-visit and first-time actions this ticket qualifies for at close (SPEC §3)."""
    kinds = state.amounts.keys()
    facts = state.first_time

    def active(action: str) -> bool:
        return rules[action]["active"]

    awards = []
    if active(Action.FIRST_VISIT) and ItemKind.SERVICE in kinds and not facts["earlier_service"]:
        awards.append(Action.FIRST_VISIT)
    if (
        active(Action.ONLINE_SIGNUP)
        and state.client_source in ONLINE_SOURCES
        and not facts["earlier_ticket"]
    ):
        awards.append(Action.ONLINE_SIGNUP)
    if referrer_id is not None:
        if active(Action.CLIENT_REFERRAL) and not facts["earlier_ticket"]:
            awards.append(Action.CLIENT_REFERRAL)
        if (
            active(Action.REFERRED_MEMBERSHIP_PURCHASE)
            and ItemKind.MEMBERSHIP in kinds
            and not facts["earlier_membership"]
        ):
            awards.append(Action.REFERRED_MEMBERSHIP_PURCHASE)
        if (
            active(Action.REFERRED_PACKAGE_PURCHASE)
            and ItemKind.SERIES_PACKAGE in kinds
            and not facts["earlier_series_package"]
        ):
            awards.append(Action.REFERRED_PACKAGE_PURCHASE)
    if state.appointment_id is not None:
        if active(Action.PREBOOKED_APPOINTMENT) and facts["appointment_prebooked"]:
            awards.append(Action.PREBOOKED_APPOINTMENT)
        if active(Action.ONLINE_BOOKING) and facts["appointment_online"]:
            awards.append(Action.ONLINE_BOOKING)
    if active(Action.PRODUCT_RESERVATION) and facts["reservation_fulfilled"]:
        awards.append(Action.PRODUCT_RESERVATION)
    return [str(action) for action in awards]


def _snapshot_taken(
    *, state: TicketLedgerState, now: datetime
) -> tuple[SnapshotState, TicketEarningSnapshot]:
    """The snapshot of a ticket seen closed for the first time (R11, R16): the rules, the
    client and referrer, the feature switch and the per-visit awards, as they are now; with
    the row to write."""
    referrer_id = None if state.referrer_is_tombstone else state.referrer_id  # R6
    rules = state.rules or {rule.action: _rule_values(rule) for rule in earning_rules_get()}
    rewards_on = state.rewards_on
    if rewards_on is None:
        rewards_on = features_get().rewards_referrals
    awards = (
        _per_visit_awards(state=state, referrer_id=referrer_id, rules=rules) if rewards_on else []
    )
    row = TicketEarningSnapshot(
        ticket_id=state.ticket_id,
        client_id=state.client_id,
        referrer_id=referrer_id,
        rewards_on=rewards_on,
        rules=rules,
        per_visit_awards=awards,
        created_at=now,
    )
    taken = SnapshotState(
        client_id=state.client_id,
        client_merged_into_id=state.client_merged_into_id,
        referrer_id=referrer_id,
        referrer_merged_into_id=None,
        rewards_on=rewards_on,
        rules=rules,
        per_visit_awards=awards,
    )
    return taken, row


def _expected_points(
    *, state: TicketLedgerState, snapshot: SnapshotState | None
) -> dict[tuple[str, str], int]:
    """What the ticket should hold now, per (action, beneficiary), at the snapshot's rates."""
    expected: dict[tuple[str, str], int] = {}
    if state.status != TicketStatus.CLOSED or snapshot is None:
        return expected  # voided (R16) or never closed (R7): nothing
    for key, (points, _) in state.held.items():
        if key[0] in FEEDBACK_ACTIONS:
            expected[key] = points  # earned on feedback; only a void takes it back
    if not snapshot.rewards_on:
        return expected
    rules = snapshot.rules
    for action in SPEND_ACTIONS:
        rule = rules[action]
        if not rule["active"]:
            continue
        amount = state.amounts.get(ACTIONS[action].item_kind, Decimal("0"))
        spend_unit = Decimal(rule["spend_unit"])
        expected[(action, Beneficiary.CLIENT)] = _floor_points(amount, rule["points"], spend_unit)
        if snapshot.referrer_id is not None and rule["referrer_points"]:
            expected[(action, Beneficiary.REFERRER)] = _floor_points(
                amount, rule["referrer_points"], spend_unit
            )
    for action in snapshot.per_visit_awards:
        rule = rules[action]
        expected[(action, ACTIONS[action].earner)] = rule["points"]
        if action in REFERRER_ELIGIBLE_ACTIONS and snapshot.referrer_id is not None:
            expected[(action, Beneficiary.REFERRER)] = rule["referrer_points"]
    return expected


def _take_back(
    *,
    ticket_id: int,
    action: str,
    beneficiary: str,
    client_id: int,
    points: int,
    now,
    drawn: dict[int, int],
) -> tuple[list[PointsEntry], int]:
    """Negative entries for `points`, first from the still-pending points of the same
    (ticket, action, beneficiary), latest available_at first and keeping it, the rest at
    once (R15); with the points of it that had expired already (R52).

    Each piece draws from that ticket's own lots for the action and beneficiary (a pending
    piece from the lots that free up with it); what of those lots already expired counts
    as forfeited, not taken twice: the caller posts it as an `expire` entry given back. The
    spent rest comes from the client's other lots, first-expiring first, and what none
    covers is a debt (R52). `drawn` carries what earlier debits of the same write took.
    """
    pending = (
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
    )
    pieces = []
    remaining = points
    for row in pending:
        if remaining == 0:
            break
        if row["points"] <= 0:
            continue
        taken = min(remaining, row["points"])
        pieces.append((taken, row["available_at"]))
        remaining -= taken
    if remaining:
        pieces.append((remaining, now))
    own = [
        _lot_view(lot)
        for lot in PointsLot.objects.select_for_update()
        .filter(
            client_id=client_id,
            points__gt=0,
            entry__ticket_id=ticket_id,
            entry__action=action,
            entry__beneficiary=beneficiary,
        )
        .order_by("pk")
    ]
    own_ids = {lot.id for lot in own}
    expired = dict(
        Allocation.objects.filter(lot_id__in=own_ids, debit__kind=EntryKind.EXPIRE)
        .values("lot_id")
        .annotate(points=Sum("points"))
        .values_list("lot_id", "points")
    )

    def left(lots):
        return [dataclasses.replace(lot, remaining=lot.remaining - drawn[lot.id]) for lot in lots]

    entries = []
    forfeits = []
    for taken, available_at in pieces:
        if available_at > now:
            order = [lot for lot in own if lot.available_at == available_at]
        else:
            order = sorted((lot for lot in own if lot.available_at <= now), key=lot_rules.fifo_key)
        draws, need = lot_rules.draw(taken, left(order))
        for lot_id, part in draws:
            drawn[lot_id] += part
        if need and available_at <= now:
            for lot_id in sorted(expired):
                part = min(need, expired[lot_id])
                if part <= 0:
                    continue
                expired[lot_id] -= part
                forfeits.append((lot_id, part))
                need -= part
                draws.append((lot_id, part))  # given back by the forfeit entry, then taken
            others = [lot for lot in _live_lots(client_id) if lot.id not in own_ids]
            order = lot_rules.redemption_draw_order(
                left(others), now=now, today=lot_rules.local_date(now)
            )
            more, need = lot_rules.draw(need, order)
            for lot_id, part in more:
                drawn[lot_id] += part
            draws += more
        entry = PointsEntry(
            client_id=client_id,
            points=-taken,
            ticket_id=ticket_id,
            action=action,
            beneficiary=beneficiary,
            created_at=now,
            available_at=available_at,
        )
        entry.draws, entry.debt = draws, need
        entries.append(entry)
    return entries, forfeits


def _forfeit_entry(
    *, take_back: PointsEntry, points: int, draws: list[tuple[int, int]], key: str, change: str
) -> PointsEntry:
    """The already-expired part of a take-back given back as expiry, so the client loses
    those points once (R52); it returns them to their lots, which the take-back drew."""
    entry = PointsEntry(
        client_id=take_back.client_id,
        points=points,
        kind=EntryKind.EXPIRE,
        ticket_id=take_back.ticket_id,
        created_at=take_back.created_at,
        available_at=take_back.created_at,
        memo=f"Expired points of ticket #{take_back.ticket_id}, {change}: not taken twice",
        idempotency_key=key,
    )
    entry.draws, entry.debt = [(lot_id, -part) for lot_id, part in draws], 0
    return entry


def _earning_entries(
    *, state: TicketLedgerState, now: datetime, drawn: dict[int, int]
) -> tuple[list[PointsEntry], TicketEarningSnapshot | None]:
    """Entries for the difference between what the ticket should hold, per (action,
    beneficiary), and what the ledger holds for it: earn/referral_earn the first time,
    `adjustment` afterwards; take-backs follow R15. With the snapshot row to write when the
    ticket is seen closed for the first time."""
    if state.client_id is None:
        return [], None  # R11: walk-ins earn nothing
    snapshot, snapshot_row = state.snapshot, None
    if snapshot is None and state.status == TicketStatus.CLOSED:
        snapshot, snapshot_row = _snapshot_taken(state=state, now=now)
    expected = _expected_points(state=state, snapshot=snapshot)
    if snapshot is None:
        owners = {
            Beneficiary.CLIENT: _survivor_id(state.client_id, state.client_merged_into_id),
            Beneficiary.REFERRER: None,
        }
    else:
        owners = {
            Beneficiary.CLIENT: _survivor_id(snapshot.client_id, snapshot.client_merged_into_id),
            Beneficiary.REFERRER: _survivor_id(
                snapshot.referrer_id, snapshot.referrer_merged_into_id
            ),
        }
    # A snapshot taken just now read the feature switch already (R34).
    rewards_on = snapshot.rewards_on if snapshot_row is not None else state.rewards_on
    if rewards_on is None:
        rewards_on = features_get().rewards_referrals
    change = "voided" if state.status == TicketStatus.VOIDED else "adjusted"
    ticket_id = state.ticket_id
    entries = []
    for key in sorted(set(expected) | set(state.held)):
        action, beneficiary = key
        held_points, held_count = state.held.get(key, (0, 0))
        difference = expected.get(key, 0) - held_points
        owner = owners[beneficiary]
        if difference == 0 or owner is None:
            continue
        if difference > 0:
            if not rewards_on:
                continue  # R34: nothing is earned while the feature is off
            first = held_count == 0
            kind = EntryKind.ADJUSTMENT
            if first:
                kind = (
                    EntryKind.EARN if beneficiary == Beneficiary.CLIENT else EntryKind.REFERRAL_EARN
                )
            new = [
                PointsEntry(
                    client_id=owner,
                    points=difference,
                    ticket_id=ticket_id,
                    action=action,
                    beneficiary=beneficiary,
                    appointment_id=state.appointment_id,
                    created_at=now,
                    available_at=_hold(state, now),
                )
            ]
        else:
            kind = EntryKind.ADJUSTMENT
            new, forfeits = _take_back(
                ticket_id=ticket_id,
                action=action,
                beneficiary=beneficiary,
                client_id=owner,
                points=-difference,
                now=now,
                drawn=drawn,
            )
        for offset, entry in enumerate(new, start=1):
            entry.kind = kind
            entry.memo = (
                f"Ticket #{ticket_id} {change}"
                if kind == EntryKind.ADJUSTMENT
                else f"{ACTIONS_LABELS[action]} (ticket #{ticket_id})"
            )
            sequence = held_count + offset
            entry.idempotency_key = f"ticket:{ticket_id}:{action}:{beneficiary}:{sequence}"
        entries.extend(new)
        if difference < 0 and forfeits:
            at_once = new[-1]  # only the part taken at once meets expired lots
            entries.append(
                _forfeit_entry(
                    take_back=at_once,
                    points=sum(part for _, part in forfeits),
                    draws=forfeits,
                    key=f"{at_once.idempotency_key}:expired",
                    change=change,
                )
            )
    return entries, snapshot_row


def _plan_return(entry: PointsEntry, *, redeem_key: str, drawn: dict[int, int]) -> PointsEntry:
    """Mark a redemption's reversal with the lots the redemption drew from, to give the
    points back to them with their own dates (R53). Points whose lot now belongs to another
    client (moved by a merge since) start a lot of the reversal's own, with the earliest of
    those dates."""
    rows = (
        Allocation.objects.filter(debit__idempotency_key=redeem_key)
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
    # Also the part the redemption drew from no lot (it left a debt, already paid off).
    elsewhere = entry.points - sum(-part for _, part in entry.draws)
    if elsewhere > 0:
        entry.own_lot = elsewhere
        entry.expires_on = min(dates, key=lambda day: day or date.max) if dates else None
    return entry


def _redemption_reversals(*, state: TicketLedgerState, now: datetime) -> list[PointsEntry]:
    """Give back at once the points of redemption payments no longer on the ticket (R22)."""
    return [
        PointsEntry(
            client_id=_survivor_id(client_id, merged_into_id),
            points=-points,
            kind=EntryKind.REDEEM_REVERSAL,
            ticket_id=state.ticket_id,
            payment_id=payment_id,
            created_at=now,
            available_at=now,
            memo=f"Points payment on ticket #{state.ticket_id} given back",
            idempotency_key=f"redeem_reversal:{payment_id}",
        )
        for payment_id, points, client_id, merged_into_id, live in state.redemptions
        if not live or state.status == TicketStatus.VOIDED
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
        list(Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list("pk"))
    state = ticket_ledger_state(ticket_id=ticket.pk)
    drawn: dict[int, int] = defaultdict(int)
    entries = _redemption_reversals(state=state, now=now)
    for entry in entries:
        _plan_return(entry, redeem_key=f"redeem:{entry.payment_id}", drawn=drawn)
    earning, snapshot_row = _earning_entries(state=state, now=now, drawn=drawn)
    # The policy read with the ticket's state; re-read only when the row was missing.
    expiry_days = _POLICY if state.hold_hours is None else state.expiry_days
    return _post_entries(entries + earning, snapshot=snapshot_row, expiry_days=expiry_days)


# --- feedback (R7 exceptions, R37) --------------------------------------------------------


@transaction.atomic
def feedback_points_award(*, feedback: Feedback, now: datetime | None = None) -> list[PointsEntry]:
    """`feedback` once per ticket when recorded, `shared_feedback` once per feedback when
    shared; at the rules in force now (R37)."""
    now = now or timezone.now()
    if not features_get().rewards_referrals:
        return []
    ticket = Ticket.objects.select_for_update().get(pk=feedback.ticket_id)
    if ticket.status != TicketStatus.CLOSED:
        return []
    client = _survivor(feedback.client)
    rules = {rule.action: rule for rule in earning_rules_get()}
    held_until = _hold(None, now)
    wanted = [(Action.FEEDBACK, f"ticket:{ticket.pk}:feedback")]
    if feedback.shared:
        wanted.append((Action.SHARED_FEEDBACK, f"feedback:{feedback.pk}:shared_feedback"))
    taken = set(
        PointsEntry.objects.filter(idempotency_key__in=[key for _, key in wanted]).values_list(
            "idempotency_key", flat=True
        )
    )
    entries = [
        PointsEntry(
            client=client,
            points=rules[action].points,
            kind=EntryKind.EARN,
            action=action,
            beneficiary=Beneficiary.CLIENT,
            ticket=ticket,
            feedback=feedback,
            created_at=now,
            available_at=held_until,
            memo=f"{rules[action].get_action_display()} (ticket #{ticket.pk})",
            idempotency_key=key,
        )
        for action, key in wanted
        if key not in taken and rules[action].active and rules[action].points > 0
    ]
    return _post_entries(entries)


# --- redemption (R19-R23) -----------------------------------------------------------------


def points_redeem(*, ticket: Ticket, points, user, now: datetime | None = None) -> Payment:
    """Pay part of an open ticket with the client's redeemable points (R19-R22), drawn from
    their lots first-expiring first (R52).

    The client's lots past their date expire first, in a transaction of their own: they were
    never redeemable, and a refused redemption leaves them expired all the same (R54).
    """
    client_id = Ticket.objects.filter(pk=ticket.pk).values_list("client_id", flat=True).first()
    if client_id is not None:
        client_points_expire(client_ids=[client_id], now=now)
    return _points_redeem(ticket=ticket, points=points, user=user, now=now)


@transaction.atomic
def _points_redeem(*, ticket: Ticket, points, user, now: datetime | None) -> Payment:
    """The redemption itself (R19-R22).

    The ticket row is locked first, then the client's balance row, so two redemptions of
    the same points serialize and the second sees the first's debit (R23). tickets'
    payment_add refuses a payment that breaks R21; that refusal rolls this back too.
    """
    if user is not None and not user.has_perm("loyalty.redeem_points"):
        raise PermissionRefused("Your role may not redeem points.")
    if not features_get().rewards_referrals:
        raise DomainError(REWARDS_OFF)
    minimum_dollars = loyalty_settings_get().min_redemption_dollars
    if minimum_dollars == 0:
        raise DomainError("Redemption is paused (minimum redemption is 0).")
    points = _whole_number(points, field="points", minimum=1)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.client_id is None:
        raise DomainError("A walk-in ticket has no client to redeem points for.")
    if ticket.status != TicketStatus.OPEN:
        raise DomainError("Points can only be redeemed on an open ticket.")
    _lock_balances([ticket.client_id])
    # The clock is read once the balance row is ours: a redemption committed before has
    # available_at <= now, so it counts as spent, not as "pending" (R15, R23).
    now = now or timezone.now()
    client = ticket.client
    redeemable = client_points_balance(client=client, now=now).redeemable
    if redeemable < minimum_dollars * 100:
        raise DomainError(
            f"The client needs at least {minimum_dollars * 100} redeemable points "
            f"(${minimum_dollars}) to redeem; they have {redeemable}.",
            field="points",
        )
    if points > redeemable:
        raise DomainError(f"The client has only {redeemable} redeemable points.", field="points")
    payment = payment_add(
        ticket=ticket,
        method=PaymentMethod.POINTS,
        amount=(Decimal(points) / Decimal(100)).quantize(Decimal("0.01")),
        points=points,
        user=user,
    )
    entry = PointsEntry(
        client=client,
        points=-points,
        kind=EntryKind.REDEEM,
        ticket=ticket,
        payment_id=payment.pk,
        created_at=now,
        available_at=now,
        created_by=user,
        memo=f"Paid on ticket #{ticket.pk}",
        idempotency_key=f"redeem:{payment.pk}",
    )
    _post_entries([_plan_debit(entry, now=now)])
    return payment


# --- manual adjustment (R15, §10) -----------------------------------------------------


@transaction.atomic
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
        raise DomainError("Give a reason for the adjustment.", field="reason")
    if isinstance(points, bool):
        raise DomainError("Give a whole number.", field="points")
    points = _whole_number(points, field="points", minimum=-(10**9))
    if points == 0:
        raise DomainError("Give a number of points other than 0.", field="points")
    if client.is_tombstone:
        raise DomainError("This client was merged into another; adjust the survivor.")
    if expires_on is not None or never_expires:
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
        created_by=user,
        memo=reason[:255],
        idempotency_key=f"manual:{uuid.uuid4().hex}",
        expires_on=expires_on,
    )
    entry.full_clean()
    if expires_on is not None or never_expires:
        entry.expiry_fixed = True
    if points < 0:
        client_points_expire(client_ids=[client.pk], now=now)  # locks the balance row first
        _plan_debit(entry, now=now)
    return _post_entries([entry])[0]


def points_expire_due(*, now: datetime | None = None, batch: int = 200) -> int:
    """The daily expiry run (R54): every client with lots past their date or debts to settle,
    `batch` clients a transaction so a long run holds no lock for long. Returns the number
    of `expire` entries posted; a second run posts none."""
    now = now or timezone.now()
    today = lot_rules.local_date(now)
    due = PointsLot.objects.filter(
        Q(remaining__lt=0) | Q(remaining__gt=0, expires_on__lt=today)
    ).order_by("client_id")
    client_ids = list(due.values_list("client_id", flat=True).distinct())
    posted = 0
    for start in range(0, len(client_ids), batch):
        entries = client_points_expire(client_ids=client_ids[start : start + batch], now=now)
        posted += sum(1 for entry in entries if entry.kind == EntryKind.EXPIRE)
    return posted


# --- merge (R17) --------------------------------------------------------------------------


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
    balances = _lock_balances([survivor.pk, duplicate.pk])
    _settlement_entries(client_ids=[survivor.pk, duplicate.pk], now=now)
    lots = list(
        PointsLot.objects.select_for_update()
        .filter(client_id=duplicate.pk, remaining__gt=0)
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
    debts = list(
        PointsLot.objects.select_for_update()
        .filter(client_id=duplicate.pk, remaining__lt=0)
        .order_by("pk")
    )
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
            "created_by": user,
        }
        out = PointsEntry(
            client=duplicate,
            points=-move["points"],
            kind=EntryKind.MERGE_OUT,
            memo=f"Merged into client #{survivor.pk}",
            idempotency_key=f"merge:{duplicate.pk}:{number}:out",
            **common,
        )
        moved_in = PointsEntry(
            client=survivor,
            points=move["points"],
            kind=EntryKind.MERGE_IN,
            memo=f"Merged from client #{duplicate.pk}",
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
            _plan_debit(moved_in, now=now)
        else:
            moved_in.expiry_fixed = True  # points no lot held (R51: never)
        entries += [out, moved_in]
    return _post_entries(entries)


# --- configuration (SPEC §3, R19) ---------------------------------------------------------


def earning_rule_changes_clean(*, action: str, changes: dict) -> dict:
    """The valid new values of one configuration row, or a DomainError naming the field.

    NA cells can't be set (SPEC §3); spend_unit > 0 in dollars and cents; points >= 0.
    """
    if action not in ACTIONS:
        raise DomainError(f"Unknown earning action {action!r}.", field="action")
    unknown = set(changes) - {"active", "points", "spend_unit", "referrer_points"}
    if unknown:
        raise DomainError("This field can't be changed.", field=sorted(unknown)[0])
    cleaned = {}
    if "active" in changes:
        if not isinstance(changes["active"], bool):
            raise DomainError("Give true or false.", field="active")
        cleaned["active"] = changes["active"]
    if "points" in changes:
        cleaned["points"] = _whole_number(changes["points"], field="points", minimum=0)
    if "spend_unit" in changes:
        value = changes["spend_unit"]
        if action not in SPEND_ACTIONS:
            if value is not None:
                raise DomainError(
                    "Not applicable (NA): this action is earned per visit.", field="spend_unit"
                )
        else:
            try:
                spend_unit = Decimal(str(value))
            except (InvalidOperation, ValueError, TypeError):
                raise DomainError("Give an amount in dollars.", field="spend_unit") from None
            if not spend_unit.is_finite() or spend_unit <= 0:
                raise DomainError("The amount spent must be more than 0.", field="spend_unit")
            if spend_unit != spend_unit.quantize(Decimal("0.01")):
                raise DomainError("Give dollars and cents.", field="spend_unit")
            cleaned["spend_unit"] = spend_unit
    if "referrer_points" in changes:
        value = changes["referrer_points"]
        if not ACTIONS[action].referrer_eligible:
            if value is not None:
                raise DomainError(
                    "Not applicable (NA): this action earns no referrer points.",
                    field="referrer_points",
                )
        else:
            cleaned["referrer_points"] = _whole_number(value, field="referrer_points", minimum=0)
    return cleaned


@transaction.atomic
def earning_rule_update(*, action: str, changes: dict, user) -> EarningRule:
    """Change one row of the configuration table (SPEC §3); Manager only."""
    if user is None or not user.has_perm("loyalty.change_earningrule"):
        raise PermissionRefused("Only a Manager may configure rewards.")
    cleaned = earning_rule_changes_clean(action=action, changes=changes)
    earning_rules_get()
    rule = EarningRule.objects.select_for_update().get(action=action)
    for field, value in cleaned.items():
        setattr(rule, field, value)
    rule.full_clean()
    rule.save()
    return rule


WHOLE_NUMBER_SETTINGS = {"min_redemption_dollars": 0, "hold_hours": 0, "redemption_increment": 1}
OPTIONAL_NUMBER_SETTINGS = {
    "expiry_days": (1, None),
    "max_redemption_percent": (1, 100),
    "max_redemption_points": (1, None),
}
SWITCH_SETTINGS = ("monthly_statements", "redemption_otp")
SETTINGS_FIELDS = (
    *WHOLE_NUMBER_SETTINGS,
    *OPTIONAL_NUMBER_SETTINGS,
    *SWITCH_SETTINGS,
    "expiry_reminder_days",
    "redeemable_kinds",
)


def loyalty_settings_changes_clean(*, changes: dict, current: LoyaltySettings) -> dict:
    """The valid new values of the loyalty settings, or a DomainError naming the field
    (R15, R19, R51, R55-R57). Points must outlive their hold: expiry_days x 24 >
    hold_hours, whichever of the two changes (R51)."""
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise DomainError("This field can't be changed.", field=sorted(unknown)[0])
    cleaned = {}
    for field, value in changes.items():
        if field in WHOLE_NUMBER_SETTINGS:
            cleaned[field] = _whole_number(value, field=field, minimum=WHOLE_NUMBER_SETTINGS[field])
        elif field in OPTIONAL_NUMBER_SETTINGS:
            low, high = OPTIONAL_NUMBER_SETTINGS[field]
            number = None if value in (None, "") else _whole_number(value, field=field, minimum=low)
            if number is not None and high is not None and number > high:
                raise DomainError(f"Give a whole number from {low} to {high}.", field=field)
            cleaned[field] = number
        elif field in SWITCH_SETTINGS:
            if not isinstance(value, bool):
                raise DomainError("Give true or false.", field=field)
            cleaned[field] = value
        elif field == "expiry_reminder_days":
            if not isinstance(value, list | tuple) or len(value) > 5:
                raise InvalidReminderDays(field=field)
            days = [_whole_number(day, field=field, minimum=1) for day in value]
            if len(set(days)) != len(days):
                raise InvalidReminderDays(field=field)
            cleaned[field] = sorted(days, reverse=True)
        else:  # redeemable_kinds
            if (
                not isinstance(value, list | tuple)
                or not value
                or not all(isinstance(kind, str) and kind in ItemKind.values for kind in value)
            ):
                raise InvalidRedeemableKinds(field=field)
            cleaned[field] = [kind for kind in ItemKind.values if kind in value]
    expiry_days = cleaned.get("expiry_days", current.expiry_days)
    hold_hours = cleaned.get("hold_hours", current.hold_hours)
    if expiry_days is not None and expiry_days * 24 <= hold_hours:
        raise ExpiryBeforeHold(field="expiry_days" if "expiry_days" in cleaned else "hold_hours")
    return cleaned


@transaction.atomic
def loyalty_settings_update(*, changes: dict, user) -> LoyaltySettings:
    """Redemption (R19, R57), the hold (R15) and points over time (R51, R55, R56); a
    change of `expiry_days` dates only lots posted afterwards (R51)."""
    if user is None or not user.has_perm("loyalty.change_loyaltysettings"):
        raise PermissionRefused("Only a Manager may change the loyalty settings.")
    loyalty_settings_get()
    settings_row = LoyaltySettings.objects.select_for_update().get(pk=1)
    cleaned = loyalty_settings_changes_clean(changes=changes, current=settings_row)
    for field, value in cleaned.items():
        setattr(settings_row, field, value)
    settings_row.full_clean()
    settings_row.save()
    return settings_row
