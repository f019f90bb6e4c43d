"""Reads of the loyalty program: rules, settings, balances (R15, R18, R20, R28)."""

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from appointments.models import Appointment, ProductReservation
from catalog.models import Item, ItemKind
from clients.models import Client, ClientSource
from loyalty.actions import ACTIONS, Action
from loyalty.models import (
    EarningRule,
    EntryKind,
    LoyaltySettings,
    PointsBalance,
    PointsEntry,
    TicketEarningSnapshot,
    default_rule_values,
)
from salon.db import PreparedStatement
from salon.models import Features
from salon.selectors import features_get
from tickets.models import Payment, Ticket, TicketLine, TicketStatus

CATALOGUE_ORDER = {action: position for position, action in enumerate(ACTIONS)}


@dataclass(frozen=True)
class Balance:
    """A client's points: pending (still on hold) and redeemable (R15)."""

    pending: int
    redeemable: int

    @property
    def total(self) -> int:
        return self.pending + self.redeemable


@dataclass(frozen=True)
class RewardsSummary:
    """The rewards box (R28) and whether the client may redeem now (R20, R34)."""

    pending_points: int
    redeemable_points: int
    redeemable_value: Decimal
    min_redemption_points: int
    can_redeem: bool
    # The tier part (R61, §18), filled by loyalty.tiers.rewards_with_tier; None: no tiers.
    tier: dict | None = None
    qualifying_spend: Decimal | None = None
    next_tier: dict | None = None


def loyalty_settings_get() -> LoyaltySettings:
    """The single settings row (created by a migration; re-created after a test flush)."""
    settings_row, _ = LoyaltySettings.objects.get_or_create(pk=1)
    return settings_row


def earning_rules_get() -> list[EarningRule]:
    """All 16 rules in the catalogue's order (SPEC §3); missing rows are re-created inactive."""
    rules = list(EarningRule.objects.all())
    if len(rules) < len(ACTIONS):
        present = {rule.action for rule in rules}
        EarningRule.objects.bulk_create(
            [
                EarningRule(action=action, **default_rule_values(action))
                for action in ACTIONS
                if action not in present
            ],
            ignore_conflicts=True,
        )
        rules = list(EarningRule.objects.all())
    return sorted(rules, key=lambda rule: CATALOGUE_ORDER[rule.action])


def earning_rule_get(*, action: str) -> EarningRule:
    for rule in earning_rules_get():
        if rule.action == action:
            return rule
    raise EarningRule.DoesNotExist(f"No earning action {action!r}.")


def _rewards_sql() -> str:
    """One SELECT for a client's balance row, pending sum, tombstone mark, minimum
    redemption and rewards switch (R15, R18, R20, R34).

    Pending reads only entries with available_at > now through the (client, available_at)
    index: the last hold window, whatever the history. Written as SQL because building the
    same query with the ORM cost 1 ms of the read's 1.4 ms (docs/performance.md, P1/P2).
    """
    client, balance, entry = Client._meta, PointsBalance._meta, PointsEntry._meta
    settings_table, features = LoyaltySettings._meta.db_table, Features._meta.db_table
    return (
        f"SELECT c.{client.get_field('merged_into').column}, "
        f"COALESCE((SELECT b.total FROM {balance.db_table} b "
        f"WHERE b.{balance.get_field('client').column} = c.id), 0), "
        f"COALESCE((SELECT SUM(e.points) FROM {entry.db_table} e "
        f"WHERE e.{entry.get_field('client').column} = c.id AND e.available_at > %(now)s), 0), "
        f"(SELECT s.min_redemption_dollars FROM {settings_table} s WHERE s.id = 1), "
        f"(SELECT f.rewards_referrals FROM {features} f WHERE f.id = 1) "
        f"FROM {client.db_table} c WHERE c.id = %(client)s"
    )


# Planned on every run, not prepared (salon/db.py): a prepared statement's generic plan
# can't see `now`, and summed the whale's whole history (10.7 ms a read instead of 0.3 ms,
# docs/performance.md).
REWARDS_SQL = _rewards_sql()


@dataclass(frozen=True)
class _RewardsRow:
    tombstone: bool
    total: int
    pending: int
    minimum_dollars: int | None
    rewards_on: bool | None


def _rewards_row(*, client_id: int | None, now: datetime | None) -> _RewardsRow | None:
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            REWARDS_SQL,
            {"now": connection.ops.adapt_datetimefield_value(now), "client": client_id},
        )
        row = cursor.fetchone()
    if row is None:
        return None
    merged_into, total, pending, minimum_dollars, rewards_on = row
    return _RewardsRow(
        tombstone=merged_into is not None,
        total=int(total),
        pending=int(pending),
        minimum_dollars=minimum_dollars,
        rewards_on=None if rewards_on is None else bool(rewards_on),
    )


def client_points_balance(*, client: Client, now: datetime | None = None) -> Balance:
    """Pending and redeemable points in one indexed query, whatever the history (R18).

    The balance row holds the total; pending sums only entries still on hold; redeemable
    is the rest.
    """
    row = _rewards_row(client_id=client.pk, now=now)
    if row is None:  # an unsaved client: nothing earned yet
        return Balance(pending=0, redeemable=0)
    return Balance(pending=row.pending, redeemable=row.total - row.pending)


def points_value(points: int) -> Decimal:
    """Dollar value of points: 1 point = $0.01 (R2)."""
    return (Decimal(points) / Decimal(100)).quantize(Decimal("0.01"))


def _rewards_summary(
    *, client_id: int | None, now: datetime | None, tombstone: bool | None = None
) -> RewardsSummary | None:
    """The rewards box in one query: the API's hottest read (P1). None when there is no
    such client."""
    row = _rewards_row(client_id=client_id, now=now)
    if row is None:
        return None
    # The single rows are made by migrations; after a test flush the getters re-create them.
    minimum_dollars = row.minimum_dollars
    if minimum_dollars is None:
        minimum_dollars = loyalty_settings_get().min_redemption_dollars
    rewards_on = row.rewards_on
    if rewards_on is None:
        rewards_on = features_get().rewards_referrals
    if tombstone is None:
        tombstone = row.tombstone
    redeemable = row.total - row.pending
    minimum = minimum_dollars * 100
    return RewardsSummary(
        pending_points=row.pending,
        redeemable_points=redeemable,
        redeemable_value=points_value(redeemable),
        min_redemption_points=minimum,
        can_redeem=bool(
            rewards_on and minimum > 0 and redeemable >= max(minimum, 1) and not tombstone
        ),
    )


def client_rewards_summary(*, client: Client, now: datetime | None = None) -> RewardsSummary:
    """The rewards box (R28) in one query; balances stay visible with the feature off,
    redeeming does not (R34)."""
    summary = _rewards_summary(client_id=client.pk, now=now, tombstone=client.is_tombstone)
    if summary is None:  # an unsaved client: nothing earned yet
        minimum = loyalty_settings_get().min_redemption_dollars * 100
        summary = RewardsSummary(0, 0, points_value(0), minimum, False)
    return summary


def client_rewards_summary_by_id(
    *, client_id: int, now: datetime | None = None
) -> RewardsSummary | None:
    """The same, without loading the client first: one query for the whole GET
    /clients/{id}/rewards/ (P1). None when there is no such client (404)."""
    if not 0 < client_id < 2**63:  # no such id; plain SQL would fail on it, not answer 404
        return None
    return _rewards_summary(client_id=client_id, now=now)


def client_open_tickets(*, client: Client) -> QuerySet[Ticket]:
    """Open tickets of a client: where their points can be redeemed (R21)."""
    return Ticket.objects.filter(client_id=client.pk, status=TicketStatus.OPEN).order_by("id")


def client_points_entries(*, client: Client) -> QuerySet[PointsEntry]:
    """A client's ledger, newest first (R14, R28)."""
    return (
        PointsEntry.objects.filter(client_id=client.pk)
        .select_related("promotion")
        .order_by("-created_at", "-id")
    )


def ledger_disagreements() -> list[tuple[int, int, int]]:
    """(client id, balance total, sum of entries) for each client whose two disagree."""
    entry_sums = (
        PointsEntry.objects.filter(client_id=OuterRef("client_id"))
        .order_by()
        .values("client_id")
        .annotate(points=Sum("points"))
        .values("points")
    )
    skewed = (
        PointsBalance.objects.annotate(entries=Coalesce(Subquery(entry_sums), Value(0)))
        .exclude(total=F("entries"))
        .order_by("client_id")
        .values_list("client_id", "total", "entries")
    )
    without_row = (
        PointsEntry.objects.exclude(client_id__in=PointsBalance.objects.values("client_id"))
        .order_by("client_id")
        .values("client_id")
        .annotate(points=Sum("points"))
        .values_list("client_id", "points")
    )
    found = list(skewed) + [(client_id, 0, points) for client_id, points in without_row]
    return sorted(found)


# --- what a ticket's reconcile needs, in one query (R3-R16, R22; P3) ----------------------


@dataclass(frozen=True)
class SnapshotState:
    """A ticket's earning snapshot as read (R11, R16), with whether its clients merged since."""

    client_id: int
    client_merged_into_id: int | None
    referrer_id: int | None
    referrer_merged_into_id: int | None
    rewards_on: bool
    rules: dict
    per_visit_awards: list[str]
    # {id, name, multiplier} of the client's tier at close, or None (R61).
    tier: dict | None = None
    # {action: {id, name, multiplier, bonus_points}}: the promotion chosen at close (R62).
    promotions: dict | None = None


@dataclass(frozen=True)
class TicketLedgerState:
    """Everything `ticket_points_reconcile` decides from, read in one statement.

    `first_time` holds the per-visit facts (SPEC §3) and is read only when the snapshot is
    still to be taken; `rules`, `rewards_on` and `hold_hours` are None when their rows are
    missing (after a test flush: the getters re-create them).
    """

    ticket_id: int
    status: str
    client_id: int | None
    appointment_id: int | None
    client_source: str | None
    client_merged_into_id: int | None
    referrer_id: int | None
    referrer_is_tombstone: bool
    rewards_on: bool | None
    hold_hours: int | None
    rules: dict | None
    snapshot: SnapshotState | None
    # Paid (not package-redemption) line amounts by item kind: the kinds the ticket contains.
    amounts: dict[str, Decimal]
    # (action, beneficiary) -> (points, entries) of the ticket's earning entries.
    held: dict[tuple[str, str], tuple[int, int]]
    # Redemptions not given back yet: (payment id, points, client id, client's merged_into,
    # whether the payment is still on the ticket).
    redemptions: list[tuple[int, int, int, int | None, bool]]
    first_time: dict[str, bool]


# Per-visit facts (SPEC §3 "First-time rules"), each evaluated only when the snapshot is
# still to be taken and, for the "first purchase of a kind" ones, when the ticket contains
# that kind and the rule is active: the scan of earlier tickets then stays off the hot path.
_EARLIER_PURCHASES = {
    "earlier_service": (ItemKind.SERVICE, Action.FIRST_VISIT),
    "earlier_membership": (ItemKind.MEMBERSHIP, Action.REFERRED_MEMBERSHIP_PURCHASE),
    "earlier_series_package": (ItemKind.SERIES_PACKAGE, Action.REFERRED_PACKAGE_PURCHASE),
}
_JSON_FUNCTIONS = {
    "postgresql": ("json_agg", "json_build_array"),
    "sqlite": ("json_group_array", "json_array"),
}


def _cents(expression: str) -> str:
    """An exact integer number of cents on both databases (SQLite keeps decimals as reals)."""
    return f"CAST(ROUND({expression} * 100) AS BIGINT)"


def _ticket_ledger_sql(vendor: str) -> str:
    aggregate, row = _JSON_FUNCTIONS[vendor]
    ticket, line, payment = Ticket._meta.db_table, TicketLine._meta.db_table, Payment._meta.db_table
    item, client = Item._meta.db_table, Client._meta.db_table
    entry, snapshot = PointsEntry._meta.db_table, TicketEarningSnapshot._meta.db_table
    rule, settings_table = EarningRule._meta.db_table, LoyaltySettings._meta.db_table
    features, appointment = Features._meta.db_table, Appointment._meta.db_table
    reservation = ProductReservation._meta.db_table
    paid_lines = (
        f"FROM {line} l JOIN {item} i ON i.id = l.item_id "
        "WHERE l.ticket_id = %(ticket)s AND NOT l.package_redemption"
    )
    earlier_tickets = (
        f"FROM {ticket} et WHERE et.client_id = t.client_id AND et.status = %(closed)s "
        "AND et.id <> t.id"
    )
    facts = [
        f"CASE WHEN sn.id IS NULL THEN EXISTS (SELECT 1 {earlier_tickets}) END",
        *(
            f"CASE WHEN sn.id IS NULL "
            f"AND EXISTS (SELECT 1 {paid_lines} AND i.kind = %({name}_kind)s) "
            f"AND EXISTS (SELECT 1 FROM {rule} r WHERE r.action = %({name}_action)s "
            "AND r.active) "
            f"THEN EXISTS (SELECT 1 {earlier_tickets} AND EXISTS (SELECT 1 FROM {line} el "
            f"JOIN {item} ei ON ei.id = el.item_id WHERE el.ticket_id = et.id "
            f"AND NOT el.package_redemption AND ei.kind = %({name}_kind)s)) END"
            for name in _EARLIER_PURCHASES
        ),
        f"CASE WHEN sn.id IS NULL AND t.reservation_id IS NOT NULL THEN EXISTS (SELECT 1 "
        f"{paid_lines} AND l.item_id = (SELECT rv.item_id FROM {reservation} rv "
        "WHERE rv.id = t.reservation_id)) END",
    ]
    return (
        "SELECT t.status, t.client_id, t.appointment_id, c.source, c.merged_into_id, "
        "c.referred_by_id, rc.merged_into_id, "
        f"(SELECT f.rewards_referrals FROM {features} f WHERE f.id = 1), "
        f"(SELECT s.hold_hours FROM {settings_table} s WHERE s.id = 1), "
        f"(SELECT {aggregate}({row}(r.action, r.active, r.points, "
        f"{_cents('r.spend_unit')}, r.referrer_points)) FROM {rule} r), "
        "sn.id, sn.client_id, sc.merged_into_id, sn.referrer_id, sr.merged_into_id, "
        "sn.rewards_on, sn.rules, sn.per_visit_awards, sn.tier, sn.promotions, "
        "a.prebooked, a.source, "
        f"(SELECT {aggregate}({row}(x.kind, x.cents)) FROM (SELECT i.kind AS kind, "
        f"{_cents('SUM(l.net_amount)')} AS cents {paid_lines} GROUP BY i.kind) x), "
        f"(SELECT {aggregate}({row}(x.action, x.beneficiary, x.points, x.entries)) FROM "
        "(SELECT e.action AS action, e.beneficiary AS beneficiary, SUM(e.points) AS points, "
        f"COUNT(*) AS entries FROM {entry} e WHERE e.ticket_id = %(ticket)s "
        "AND e.action <> '' GROUP BY e.action, e.beneficiary) x), "
        f"(SELECT {aggregate}({row}(e.payment_id, e.points, e.client_id, ec.merged_into_id, "
        f"EXISTS (SELECT 1 FROM {payment} p WHERE p.id = e.payment_id "
        f"AND p.ticket_id = %(ticket)s))) FROM {entry} e JOIN {client} ec ON ec.id = e.client_id "
        "WHERE e.ticket_id = %(ticket)s AND e.kind = %(redeem)s AND NOT EXISTS (SELECT 1 "
        f"FROM {entry} g WHERE g.ticket_id = %(ticket)s AND g.kind = %(redeem_reversal)s "
        "AND g.payment_id = e.payment_id)), "
        f"{', '.join(facts)} "
        f"FROM {ticket} t "
        f"LEFT JOIN {client} c ON c.id = t.client_id "
        f"LEFT JOIN {client} rc ON rc.id = c.referred_by_id "
        f"LEFT JOIN {snapshot} sn ON sn.ticket_id = t.id "
        f"LEFT JOIN {client} sc ON sc.id = sn.client_id "
        f"LEFT JOIN {client} sr ON sr.id = sn.referrer_id "
        f"LEFT JOIN {appointment} a ON a.id = t.appointment_id "
        "WHERE t.id = %(ticket)s"
    )


TICKET_LEDGER = {
    vendor: PreparedStatement("loyalty_ticket_ledger_state", _ticket_ledger_sql(vendor))
    for vendor in _JSON_FUNCTIONS
}
_TICKET_LEDGER_PARAMS = {
    "closed": TicketStatus.CLOSED.value,
    "redeem": EntryKind.REDEEM.value,
    "redeem_reversal": EntryKind.REDEEM_REVERSAL.value,
    **{f"{name}_kind": kind.value for name, (kind, _) in _EARLIER_PURCHASES.items()},
    **{f"{name}_action": action.value for name, (_, action) in _EARLIER_PURCHASES.items()},
}


def _json(value, default):
    """json_agg comes back parsed on PostgreSQL, jsonb and SQLite's JSON as text."""
    if value is None:
        return default
    return json.loads(value) if isinstance(value, str) else value


def _dollars(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))


def ticket_ledger_state(*, ticket_id: int) -> TicketLedgerState | None:
    """A ticket's state for its points reconcile: one prepared statement, whatever the
    history. Plain SQL because the ORM needed 15 queries and 10 ms of Python for the same
    (docs/performance.md, P3). None when there is no such ticket."""
    with connection.cursor() as cursor:
        TICKET_LEDGER[connection.vendor].execute(
            cursor, {**_TICKET_LEDGER_PARAMS, "ticket": ticket_id}
        )
        row = cursor.fetchone()
    if row is None:
        return None
    (
        status, client_id, appointment_id, client_source, client_merged_into_id,
        referrer_id, referrer_merged_into_id, rewards_on, hold_hours, rules,
        snapshot_id, snapshot_client_id, snapshot_client_merged_into_id,
        snapshot_referrer_id, snapshot_referrer_merged_into_id, snapshot_rewards_on,
        snapshot_rules, snapshot_awards, snapshot_tier, snapshot_promotions, prebooked,
        appointment_source, amounts, held,
        redemptions, earlier_ticket, earlier_service, earlier_membership,
        earlier_series_package, reservation_fulfilled,
    ) = row  # fmt: skip
    rule_rows = _json(rules, [])
    snapshot = None
    if snapshot_id is not None:
        snapshot = SnapshotState(
            client_id=snapshot_client_id,
            client_merged_into_id=snapshot_client_merged_into_id,
            referrer_id=snapshot_referrer_id,
            referrer_merged_into_id=snapshot_referrer_merged_into_id,
            rewards_on=bool(snapshot_rewards_on),
            rules=_json(snapshot_rules, {}),
            per_visit_awards=_json(snapshot_awards, []),
            tier=_json(snapshot_tier, None),
            promotions=_json(snapshot_promotions, {}),
        )
    return TicketLedgerState(
        ticket_id=ticket_id,
        status=status,
        client_id=client_id,
        appointment_id=appointment_id,
        client_source=client_source,
        client_merged_into_id=client_merged_into_id,
        referrer_id=referrer_id,
        referrer_is_tombstone=referrer_merged_into_id is not None,
        rewards_on=None if rewards_on is None else bool(rewards_on),
        hold_hours=hold_hours,
        rules=(
            {
                action: {
                    "active": bool(active),
                    "points": points,
                    "spend_unit": None if unit is None else str(_dollars(unit)),
                    "referrer_points": referrer_points,
                }
                for action, active, points, unit, referrer_points in rule_rows
            }
            if len(rule_rows) >= len(ACTIONS)
            else None
        ),
        snapshot=snapshot,
        amounts={kind: _dollars(cents) for kind, cents in _json(amounts, [])},
        held={
            (action, beneficiary): (int(points), int(entries))
            for action, beneficiary, points, entries in _json(held, [])
        },
        redemptions=sorted(
            (payment_id, int(points), entry_client, merged_into, bool(live))
            for payment_id, points, entry_client, merged_into, live in _json(redemptions, [])
        ),
        first_time={
            "earlier_ticket": bool(earlier_ticket),
            "earlier_service": bool(earlier_service),
            "earlier_membership": bool(earlier_membership),
            "earlier_series_package": bool(earlier_series_package),
            "reservation_fulfilled": bool(reservation_fulfilled),
            "appointment_prebooked": bool(prebooked),
            "appointment_online": appointment_source in (ClientSource.ONLINE, ClientSource.APP),
        },
    )
