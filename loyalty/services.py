"""Writes of the loyalty program: earning, take-backs, redemption, adjustments, merges.

Every write posts PointsEntry rows through `_post_entries`, which adds them to the clients'
balance rows (locked in primary-key order by the upsert itself) in the same transaction
(R18).
"""

import functools
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Sum
from django.utils import timezone

from catalog.models import ItemKind
from clients.models import Client, ClientSource
from feedback.models import Feedback
from loyalty.actions import (
    ACTIONS,
    FEEDBACK_ACTIONS,
    REFERRER_ELIGIBLE_ACTIONS,
    SPEND_ACTIONS,
    Action,
    Beneficiary,
)
from loyalty.models import (
    EarningRule,
    EntryKind,
    LoyaltySettings,
    PointsBalance,
    PointsEntry,
    TicketEarningSnapshot,
)
from loyalty.promotion_rules import Earning, best_promotion, points_earned
from loyalty.promotions import promotions_for_close
from loyalty.selectors import (
    SnapshotState,
    TicketLedgerState,
    client_points_balance,
    earning_rules_get,
    loyalty_settings_get,
    ticket_ledger_state,
)
from loyalty.tiers import client_tier_get, tier_upgrade_at_close
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


def _post_entries(
    entries: list[PointsEntry], *, snapshot: TicketEarningSnapshot | None = None
) -> list[PointsEntry]:
    """Append entries, and a ticket's earning snapshot when one is taken, and move the
    balance totals with them, in the caller's transaction (R14, R16, R18).

    Plain SQL, and on PostgreSQL one statement: the close's writes cost one round trip, not
    five queries built by the ORM (docs/performance.md, P3). The entries are built here, by
    code; the database holds their keys, relations and CHECK constraints.
    """
    deltas: dict[int, int] = defaultdict(int)
    for entry in entries:
        deltas[entry.client_id] += entry.points
    writes = []
    if snapshot is not None:
        writes.append(_insert_sql(TicketEarningSnapshot, [snapshot]))
    if entries:
        writes.append(_balances_upsert_sql(deltas))
        sql, params = _insert_sql(PointsEntry, entries)
        writes.append((f"{sql} RETURNING id", params))
    if not writes:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            *earlier, (last_sql, _) = writes
            ctes = ", ".join(f"w{number} AS ({sql})" for number, (sql, _) in enumerate(earlier))
            cursor.execute(
                f"WITH {ctes} {last_sql}" if ctes else last_sql,
                [param for _, params in writes for param in params],
            )
        else:
            for sql, params in writes:
                cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()] if entries else []
    for entry, pk in zip(entries, ids, strict=True):
        entry.pk = pk
        entry._state.adding = False
        entry._state.db = connection.alias
    return entries


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
    tier, promotions = _bonuses_at_close(state=state, rules=rules, awards=awards, now=now)
    row = TicketEarningSnapshot(
        ticket_id=state.ticket_id,
        client_id=state.client_id,
        referrer_id=referrer_id,
        rewards_on=rewards_on,
        rules=rules,
        per_visit_awards=awards,
        tier=tier,
        promotions=promotions,
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
        tier=tier,
        promotions=promotions,
    )
    return taken, row


def _client_earning(*, action: str, rule: dict, amount: Decimal | None, tier: dict | None):
    """What the client's own points on this action are computed from (R3, R5, R61): a spend
    action's amount at the tier's multiplier, a per-visit action's points at x1."""
    if amount is None:
        return Earning(
            action=action,
            amount=Decimal(1),
            points=rule["points"],
            spend_unit=Decimal(1),
            tier_multiplier=Decimal(1),
            item_kind=None,
        )
    return Earning(
        action=action,
        amount=amount,
        points=rule["points"],
        spend_unit=Decimal(rule["spend_unit"]),
        tier_multiplier=Decimal(tier["multiplier"]) if tier else Decimal(1),
        item_kind=ACTIONS[action].item_kind,
    )


def _bonuses_at_close(
    *, state: TicketLedgerState, rules: dict, awards: list[str], now: datetime
) -> tuple[dict | None, dict]:
    """The client's tier at close and the best promotion per (ticket, action), as the
    snapshot keeps them (R61, R62); only actions whose rule is active and that earn."""
    held = client_tier_get(client_id=state.client_id)
    tier = (
        None
        if held is None
        else {"id": held.pk, "name": held.name, "multiplier": str(held.multiplier)}
    )
    candidates = promotions_for_close(client_id=state.client_id, on=timezone.localdate(now))
    chosen = {}
    if candidates:
        earnings = [
            _client_earning(
                action=action,
                rule=rules[action],
                amount=state.amounts.get(ACTIONS[action].item_kind, Decimal("0")),
                tier=tier,
            )
            for action in SPEND_ACTIONS
            if rules[action]["active"]
        ] + [
            _client_earning(action=action, rule=rules[action], amount=None, tier=None)
            for action in awards
            if ACTIONS[action].earner == Beneficiary.CLIENT
        ]
        for earning in earnings:
            promotion = best_promotion(
                earning=earning, promotions=candidates, tier_id=tier and tier["id"]
            )
            if promotion is not None:
                chosen[earning.action] = {
                    "id": promotion.id,
                    "name": promotion.name,
                    "multiplier": None
                    if promotion.multiplier is None
                    else str(promotion.multiplier),
                    "bonus_points": promotion.bonus_points,
                }
    return tier, chosen


def _client_points(*, action: str, rule: dict, amount, snapshot: SnapshotState) -> int:
    """The client's own points on one action: at the tier and promotion of the close."""
    promotion = (snapshot.promotions or {}).get(action) or {}
    return points_earned(
        earning=_client_earning(action=action, rule=rule, amount=amount, tier=snapshot.tier),
        multiplier=promotion.get("multiplier"),
        bonus_points=promotion.get("bonus_points"),
    )


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
        expected[(action, Beneficiary.CLIENT)] = _client_points(
            action=action, rule=rule, amount=amount, snapshot=snapshot
        )
        if snapshot.referrer_id is not None and rule["referrer_points"]:
            expected[(action, Beneficiary.REFERRER)] = _floor_points(
                amount, rule["referrer_points"], spend_unit
            )
    for action in snapshot.per_visit_awards:
        rule = rules[action]
        earner = ACTIONS[action].earner
        expected[(action, earner)] = (
            _client_points(action=action, rule=rule, amount=None, snapshot=snapshot)
            if earner == Beneficiary.CLIENT
            else rule["points"]
        )
        if action in REFERRER_ELIGIBLE_ACTIONS and snapshot.referrer_id is not None:
            expected[(action, Beneficiary.REFERRER)] = rule["referrer_points"]
    return expected


def _take_back(
    *, ticket_id: int, action: str, beneficiary: str, client_id: int, points: int, now
) -> list[PointsEntry]:
    """Negative entries for `points`, first from the still-pending points of the same
    (ticket, action, beneficiary), latest available_at first and keeping it, the rest at
    once (R15)."""
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
    entries = []
    remaining = points
    for row in pending:
        if remaining == 0:
            break
        if row["points"] <= 0:
            continue
        taken = min(remaining, row["points"])
        entries.append((-taken, row["available_at"]))
        remaining -= taken
    if remaining:
        entries.append((-remaining, now))
    return [
        PointsEntry(
            client_id=client_id,
            points=points_taken,
            ticket_id=ticket_id,
            action=action,
            beneficiary=beneficiary,
            created_at=now,
            available_at=available_at,
        )
        for points_taken, available_at in entries
    ]


def _earning_entries(
    *, state: TicketLedgerState, now: datetime
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
            new = _take_back(
                ticket_id=ticket_id,
                action=action,
                beneficiary=beneficiary,
                client_id=owner,
                points=-difference,
                now=now,
            )
        # The client's points on this action name the promotion they were earned under (R62).
        promotion = {}
        if snapshot is not None and beneficiary == Beneficiary.CLIENT:
            promotion = (snapshot.promotions or {}).get(action) or {}
        for offset, entry in enumerate(new, start=1):
            entry.kind = kind
            entry.promotion_id = promotion.get("id")
            entry.memo = (
                f"Ticket #{ticket_id} {change}"
                if kind == EntryKind.ADJUSTMENT
                else f"{ACTIONS_LABELS[action]} (ticket #{ticket_id})"
            )
            if promotion:
                entry.memo += f", {promotion['name']}"
            sequence = held_count + offset
            entry.idempotency_key = f"ticket:{ticket_id}:{action}:{beneficiary}:{sequence}"
        entries.extend(new)
    return entries, snapshot_row


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
    entries = _redemption_reversals(state=state, now=now)
    earning, snapshot_row = _earning_entries(state=state, now=now)
    posted = _post_entries(entries + earning, snapshot=snapshot_row)
    if snapshot_row is not None:
        # After the snapshot: the ticket that crosses a tier earned at the tier before (R61).
        tier_upgrade_at_close(client_id=state.client_id, ticket_id=state.ticket_id, now=now)
    return posted


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


@transaction.atomic
def points_redeem(*, ticket: Ticket, points, user, now: datetime | None = None) -> Payment:
    """Pay part of an open ticket with the client's redeemable points (R19-R22).

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
    _post_entries(
        [
            PointsEntry(
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
        ]
    )
    return payment


# --- manual adjustment (R15, §10) -----------------------------------------------------


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
        raise DomainError("Give a reason for the adjustment.", field="reason")
    if isinstance(points, bool):
        raise DomainError("Give a whole number.", field="points")
    points = _whole_number(points, field="points", minimum=-(10**9))
    if points == 0:
        raise DomainError("Give a number of points other than 0.", field="points")
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
    return _post_entries([entry])[0]


# --- merge (R17) --------------------------------------------------------------------------


@transaction.atomic
def client_points_merge(
    *, survivor: Client, duplicate: Client, user=None, now: datetime | None = None
) -> list[PointsEntry]:
    """Move all the duplicate's points to the survivor (R17): each still-pending lot keeps its
    available_at (and its ticket, action and beneficiary, for later take-backs, R15); the
    rest moves at once, negative or not. The duplicate ends with 0 pending, 0 redeemable.
    """
    now = now or timezone.now()
    balances = _lock_balances([survivor.pk, duplicate.pk])
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


@transaction.atomic
def loyalty_settings_update(*, changes: dict, user) -> LoyaltySettings:
    """Minimum redemption (0 pauses it, R19), the hold in hours (R15), the tier window and
    validity (R61) and the birthday points (R63)."""
    if user is None or not user.has_perm("loyalty.change_loyaltysettings"):
        raise PermissionRefused("Only a Manager may change the loyalty settings.")
    unknown = set(changes) - {
        "min_redemption_dollars",
        "hold_hours",
        "tier_window_days",
        "tier_validity_days",
        "birthday_points",
    }
    if unknown:
        raise DomainError("This field can't be changed.", field=sorted(unknown)[0])
    loyalty_settings_get()
    settings_row = LoyaltySettings.objects.select_for_update().get(pk=1)
    for field, value in changes.items():
        # A tier window of 0 days would count no spend at all (R61).
        minimum = 1 if field == "tier_window_days" else 0
        setattr(settings_row, field, _whole_number(value, field=field, minimum=minimum))
    settings_row.full_clean()
    settings_row.save()
    return settings_row
