"""Earning, step 1: read everything a ticket's points reconcile decides from, once
(R3-R16, R22). The statement is loyalty/sql/ledger_state.py's; this module parses its row."""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from clients.models import ClientSource
from loyalty.actions import ACTIONS
from loyalty.models import EarningRule, EarnOn
from loyalty.selectors import earning_rules_get, loyalty_settings_get
from loyalty.sql.ledger_state import ticket_ledger_row
from salon.selectors import features_get


def rule_values(rule: EarningRule) -> dict:
    """A rule as a snapshot keeps it: JSON-safe, the spend unit as a string of dollars."""
    return {
        "active": rule.active,
        "points": rule.points,
        "spend_unit": None if rule.spend_unit is None else str(rule.spend_unit),
        "referrer_points": rule.referrer_points,
    }


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
    earn_on: str = EarnOn.PRE_TAX
    # {id, name, multiplier} of the client's tier at close, or None (R61).
    tier: dict | None = None
    # {action: {id, name, multiplier, bonus_points}}: the promotion chosen at close (R62).
    promotions: dict | None = None


@dataclass(frozen=True)
class TicketLedgerState:
    """Everything `ticket_points_reconcile` decides from, read in one statement.

    `first_time` holds the per-visit facts (SPEC §3) and is read only when the snapshot is
    still to be taken. `rules` are the configuration's current values, as a snapshot keeps
    them (SPEC §3).
    """

    ticket_id: int
    status: str
    client_id: int | None
    appointment_id: int | None
    client_source: str | None
    client_merged_into_id: int | None
    referrer_id: int | None
    referrer_is_tombstone: bool
    rewards_on: bool
    hold_hours: int
    expiry_days: int | None  # the lot policy (R51), read with the hold
    rules: dict
    snapshot: SnapshotState | None
    # Paid (not package-redemption) line amounts by item kind: the kinds the ticket contains;
    # before tax and with tax (R46). The loyalty setting `earn_on` says which one earns.
    amounts: dict[str, Decimal]
    amounts_with_tax: dict[str, Decimal]
    earn_on: str
    # (action, beneficiary) -> (points, entries) of the ticket's earning entries.
    held: dict[tuple[str, str], tuple[int, int]]
    # Redemptions not given back yet: (payment id, points, client id, client's merged_into,
    # whether the payment is still on the ticket).
    redemptions: list[tuple[int, int, int, int | None, bool]]
    first_time: dict[str, bool]
    # Read while the snapshot is still to be taken (R61, R62): the client's tier now, as a
    # snapshot keeps it; whether the salon has tiers; whether a promotion runs today.
    tier: dict | None = None
    tiers_exist: bool = False
    promotions_running: bool = False


def _json(value, default):
    """json_agg comes back parsed on PostgreSQL, jsonb and SQLite's JSON as text."""
    if value is None:
        return default
    return json.loads(value) if isinstance(value, str) else value


def _dollars(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))


def ticket_ledger_state(*, ticket_id: int, today: date) -> TicketLedgerState | None:
    """A ticket's state for its points reconcile: one prepared statement, whatever the
    history. Plain SQL because the ORM needed 15 queries and 10 ms of Python for the same
    (docs/performance.md, P3). None when there is no such ticket."""
    row = ticket_ledger_row(ticket_id=ticket_id, today=today)
    if row is None:
        return None
    (
        status, client_id, appointment_id, client_source, client_merged_into_id,
        referrer_id, referrer_merged_into_id, rewards_on, hold_hours, expiry_days, earn_on,
        rules,
        snapshot_id, snapshot_client_id, snapshot_client_merged_into_id,
        snapshot_referrer_id, snapshot_referrer_merged_into_id, snapshot_rewards_on,
        snapshot_rules, snapshot_awards, snapshot_earn_on, snapshot_tier, snapshot_promotions,
        prebooked, appointment_source, amounts, held, redemptions, earlier_ticket,
        earlier_service, earlier_membership, earlier_series_package, reservation_fulfilled,
        tier, tiers_exist, promotions_running,
    ) = row  # fmt: skip
    tier = _json(tier, None)
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
            earn_on=snapshot_earn_on,
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
        # The single rows are made by migrations; after a test flush the getters re-create
        # them (a query each, off the hot path).
        rewards_on=(features_get().rewards_referrals if rewards_on is None else bool(rewards_on)),
        hold_hours=loyalty_settings_get().hold_hours if hold_hours is None else hold_hours,
        expiry_days=loyalty_settings_get().expiry_days if hold_hours is None else expiry_days,
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
            else {rule.action: rule_values(rule) for rule in earning_rules_get()}
        ),
        snapshot=snapshot,
        amounts={kind: _dollars(cents) for kind, cents, _ in _json(amounts, [])},
        amounts_with_tax={kind: _dollars(cents) for kind, _, cents in _json(amounts, [])},
        earn_on=loyalty_settings_get().earn_on if earn_on is None else earn_on,
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
        tier=(
            None
            if tier is None
            else {"id": tier[0], "name": tier[1], "multiplier": str(_dollars(tier[2]))}
        ),
        tiers_exist=bool(tiers_exist),
        promotions_running=bool(promotions_running),
    )
