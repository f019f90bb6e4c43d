"""Earning, step 2: pure functions from a ticket's ledger state to the points it should
hold and the changes that bring the ledger there (SPEC §3, R3-R16, R22, R34).

No database here: every input comes from `fetch`, every output is data that `reconcile`
turns into entries, so tests/rules/test_earning_rules.py calls these directly and
`make mutate` checks that those tests catch a wrong number.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from catalog.models import ItemKind
from clients.models import ClientSource
from loyalty.actions import (
    ACTIONS,
    FEEDBACK_ACTIONS,
    REFERRER_ELIGIBLE_ACTIONS,
    SPEND_ACTIONS,
    Action,
    Beneficiary,
)
from loyalty.earning.fetch import SnapshotState, TicketLedgerState
from loyalty.models import EarnOn, EntryKind
from loyalty.promotion_rules import Earning, PromotionTerms, best_promotion, points_earned
from tickets.models import TicketStatus

ONLINE_SOURCES = (ClientSource.ONLINE, ClientSource.APP)


def floor_points(amount: Decimal, points: int, spend_unit: Decimal) -> int:
    """floor(amount x points / spend_unit) (R3): a part of a spend unit earns nothing."""
    return int((amount * points / spend_unit).to_integral_value(rounding=ROUND_FLOOR))


def available_at(*, hold_hours: int, now: datetime) -> datetime:
    """When points earned now become redeemable (R15)."""
    return now + timedelta(hours=hold_hours)


def per_visit_awards(*, state: TicketLedgerState, referrer_id: int | None, rules) -> list[str]:
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


def client_earning(*, action: str, rule: dict, amount: Decimal | None, tier: dict | None):
    """What the client's own points on one action are computed from (R3, R5, R61): a spend
    action's amount at the tier's multiplier; a per-visit action's points once, at x1."""
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


def promotions_choose(
    *,
    state: TicketLedgerState,
    awards: list[str],
    tier: dict | None,
    promotions: list[PromotionTerms],
) -> dict[str, dict]:
    """The promotion each (ticket, action) earns under, as the snapshot keeps it (R62): the
    client's own points of active spend actions and of the per-visit awards."""
    rules = state.rules
    earnings = [
        client_earning(
            action=action,
            rule=rules[action],
            amount=state.amounts.get(ACTIONS[action].item_kind, Decimal("0")),
            tier=tier,
        )
        for action in SPEND_ACTIONS
        if rules[action]["active"]
    ] + [
        client_earning(action=action, rule=rules[action], amount=None, tier=None)
        for action in awards
        if ACTIONS[action].earner == Beneficiary.CLIENT
    ]
    chosen = {}
    for earning in earnings:
        promotion = best_promotion(
            earning=earning, promotions=promotions, tier_id=tier["id"] if tier else None
        )
        if promotion is not None:
            chosen[earning.action] = {
                "id": promotion.id,
                "name": promotion.name,
                "multiplier": None if promotion.multiplier is None else str(promotion.multiplier),
                "bonus_points": promotion.bonus_points,
            }
    return chosen


def snapshot_take(
    *, state: TicketLedgerState, promotions: list[PromotionTerms] = ()
) -> SnapshotState:
    """The snapshot of a ticket seen closed for the first time (R11, R16): the rules, the
    client and referrer, the feature switch, the per-visit awards, the client's tier and
    the promotion per action (R61, R62), as they are now. A merged (tombstone) referrer
    earns nothing (R6)."""
    referrer_id = None if state.referrer_is_tombstone else state.referrer_id
    awards = (
        per_visit_awards(state=state, referrer_id=referrer_id, rules=state.rules)
        if state.rewards_on
        else []
    )
    chosen = {}
    if state.rewards_on and promotions:
        chosen = promotions_choose(
            state=state, awards=awards, tier=state.tier, promotions=list(promotions)
        )
    return SnapshotState(
        client_id=state.client_id,
        client_merged_into_id=state.client_merged_into_id,
        referrer_id=referrer_id,
        referrer_merged_into_id=None,
        rewards_on=state.rewards_on,
        rules=state.rules,
        per_visit_awards=awards,
        earn_on=state.earn_on,
        tier=state.tier,
        promotions=chosen,
    )


def client_points(*, action: str, rule: dict, amount, snapshot: SnapshotState) -> int:
    """The client's own points on one action, at the tier and promotion of the close:
    floor(amount x points / spend_unit x tier x promotion) + bonus (R61, R62)."""
    promotion = (snapshot.promotions or {}).get(action) or {}
    return points_earned(
        earning=client_earning(action=action, rule=rule, amount=amount, tier=snapshot.tier),
        multiplier=promotion.get("multiplier"),
        bonus_points=promotion.get("bonus_points"),
    )


def expected_points(
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
    # The basis the ticket closed under (R46, R11): before tax unless `post_tax`; tips are
    # never among the lines.
    amounts = state.amounts_with_tax if snapshot.earn_on == EarnOn.POST_TAX else state.amounts
    for action in SPEND_ACTIONS:
        rule = rules[action]
        if not rule["active"]:
            continue
        amount = amounts.get(ACTIONS[action].item_kind, Decimal("0"))
        spend_unit = Decimal(rule["spend_unit"])
        expected[(action, Beneficiary.CLIENT)] = client_points(
            action=action, rule=rule, amount=amount, snapshot=snapshot
        )
        if snapshot.referrer_id is not None and rule["referrer_points"]:
            expected[(action, Beneficiary.REFERRER)] = floor_points(
                amount, rule["referrer_points"], spend_unit
            )
    for action in snapshot.per_visit_awards:
        rule = rules[action]
        earner = ACTIONS[action].earner
        expected[(action, earner)] = (
            client_points(action=action, rule=rule, amount=None, snapshot=snapshot)
            if earner == Beneficiary.CLIENT
            else rule["points"]
        )
        if action in REFERRER_ELIGIBLE_ACTIONS and snapshot.referrer_id is not None:
            expected[(action, Beneficiary.REFERRER)] = rule["referrer_points"]
    return expected


@dataclass(frozen=True)
class LedgerChange:
    """Points to post for one (action, beneficiary) of a ticket: positive earns (held until
    `available_at`), negative takes back (R15); `sequence` numbers its first entry."""

    action: str
    beneficiary: str
    points: int
    kind: str
    sequence: int


def ledger_changes(
    *,
    state: TicketLedgerState,
    snapshot: SnapshotState | None,
    expected: dict[tuple[str, str], int],
) -> list[LedgerChange]:
    """The difference between what the ticket should hold and what the ledger holds for it:
    earn/referral_earn the first time, `adjustment` afterwards (R13, R16). Nothing is earned
    while the feature is off (R34); take-backs still happen. A referrer's share exists only
    with a snapshot that names one."""
    has_referrer = snapshot is not None and snapshot.referrer_id is not None
    changes = []
    for key in sorted(set(expected) | set(state.held)):
        action, beneficiary = key
        held_points, held_count = state.held.get(key, (0, 0))
        difference = expected.get(key, 0) - held_points
        if difference == 0 or (beneficiary == Beneficiary.REFERRER and not has_referrer):
            continue
        if difference > 0 and not state.rewards_on:
            continue
        kind = EntryKind.ADJUSTMENT
        if difference > 0 and held_count == 0:
            kind = EntryKind.EARN if beneficiary == Beneficiary.CLIENT else EntryKind.REFERRAL_EARN
        changes.append(
            LedgerChange(
                action=action,
                beneficiary=beneficiary,
                points=difference,
                kind=kind,
                sequence=held_count + 1,
            )
        )
    return changes


def take_back_split(
    *, points: int, pending: list[tuple[datetime, int]], now: datetime
) -> list[tuple[int, datetime]]:
    """Split a take-back of `points` into (negative points, available_at): first from the
    still-pending lots of the same (ticket, action, beneficiary), latest first, each keeping
    its available_at; the rest at once (R15). `pending` is latest first."""
    parts = []
    remaining = points
    for lot_available_at, lot_points in pending:
        if remaining == 0:
            break
        if lot_points <= 0:
            continue
        taken = min(remaining, lot_points)
        parts.append((-taken, lot_available_at))
        remaining -= taken
    if remaining:
        parts.append((-remaining, now))
    return parts


def redemptions_to_give_back(*, state: TicketLedgerState) -> list[tuple[int, int, int, int | None]]:
    """(payment id, points, client id, client's merged_into) of the redemptions whose points
    go back at once: their payment was removed, or the ticket was voided (R22)."""
    return [
        (payment_id, points, client_id, merged_into_id)
        for payment_id, points, client_id, merged_into_id, live in state.redemptions
        if not live or state.status == TicketStatus.VOIDED
    ]
