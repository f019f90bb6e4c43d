"""Reads of the loyalty program: rules, settings, balances (R15, R18, R20, R28)."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Client
from loyalty import lots as lot_rules
from loyalty.actions import ACTIONS
from loyalty.models import (
    Allocation,
    EarningRule,
    EntryKind,
    LoyaltySettings,
    PointsBalance,
    PointsEntry,
    PointsLot,
    default_rule_values,
)
from loyalty.redemption_rules import can_redeem
from loyalty.sql.rewards import lots_due_row, rewards_row
from salon.money import dollars_to_points, points_to_dollars
from salon.selectors import features_get
from tickets.models import Ticket, TicketLine, TicketStatus

_NOT_EXPIRE = [kind for kind in EntryKind.values if kind != EntryKind.EXPIRE]
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
class NextExpiry:
    """The points that expire first and the day they expire at the end of (R54)."""

    points: int
    on: date


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
    # Read with the balances: without tiers the tier part costs no query (P1), with tiers
    # one (loyalty.tiers.client_tier_standing), over this window (None: read it there).
    tiers_exist: bool = False
    tier_window_days: int | None = None
    next_expiry: NextExpiry | None = None


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


@dataclass(frozen=True)
class _RewardsRow:
    tombstone: bool
    total: int
    pending: int
    minimum_dollars: int | None
    tier_window_days: int | None
    rewards_on: bool | None
    tiers_exist: bool
    past_date: int  # points of lots past their date, not expired by the run yet (R54)
    next_expiry: "NextExpiry | None"

    @property
    def redeemable(self) -> int:
        """Never counts points past their date, even before the run expires them (R54)."""
        return self.total - self.pending - self.past_date


def client_points_by_date_after_debt(
    *, client_id: int, debt: int, now: datetime
) -> dict[date, int]:
    """What each date's lots of this client will still hold when they expire, once its debt
    is paid from them (R52, R54): a debt is paid off from the next lot to free up only when
    a run, a redemption or a merge settles it, and until then the lots' remainders overstate
    what the client will lose."""
    lots = [
        lot_rules.LotView(
            id=lot["pk"],
            remaining=lot["remaining"],
            expires_on=lot["expires_on"],
            available_at=lot["available_at"],
            created_at=lot["created_at"],
        )
        for lot in PointsLot.objects.filter(client_id=client_id, remaining__gt=0).values(
            "pk", "remaining", "expires_on", "available_at", "created_at"
        )
    ]
    return lot_rules.points_by_date_after_debt(
        lots, debt=debt, now=now, today=lot_rules.local_date(now)
    )


def _next_expiry_after_debt(*, client_id: int, debt: int, now: datetime) -> "NextExpiry | None":
    """The next expiry of a client with a debt: a second query, for the few clients who
    owe points (R54); the rest keep the one-query read (R18)."""
    left = client_points_by_date_after_debt(client_id=client_id, debt=debt, now=now)
    if not left:
        return None
    first = min(left)
    return NextExpiry(points=left[first], on=first)


def _as_date(value) -> date | None:
    """SQLite answers a date read by plain SQL as text."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _rewards_row(*, client_id: int | None, now: datetime | None) -> _RewardsRow | None:
    now = now or timezone.now()
    row = rewards_row(client_id=client_id, now=now)
    if row is None:
        return None
    (
        merged_into, total, pending, minimum_dollars, tier_window_days, rewards_on, next_on,
        next_points, tiers_exist, debt,
    ) = row  # fmt: skip
    next_on = _as_date(next_on)
    past_date = 0
    if next_on is not None and lot_rules.is_past_date(next_on, today=lot_rules.local_date(now)):
        # The balance row's earliest date is past: lots wait for the daily expiry run. What
        # they hold isn't redeemable, and the next date to come is read from the lots (R54).
        past_date, next_on, next_points = lots_due_row(
            client_id=client_id, since=next_on, today=lot_rules.local_date(now)
        )
        next_on = _as_date(next_on)
    next_expiry = None if next_on is None else NextExpiry(points=int(next_points), on=next_on)
    if next_expiry is not None and debt:
        next_expiry = _next_expiry_after_debt(client_id=client_id, debt=int(debt), now=now)
    return _RewardsRow(
        past_date=int(past_date),
        next_expiry=next_expiry,
        tombstone=merged_into is not None,
        total=int(total),
        pending=int(pending),
        minimum_dollars=minimum_dollars,
        tier_window_days=tier_window_days,
        rewards_on=None if rewards_on is None else bool(rewards_on),
        tiers_exist=bool(tiers_exist),
    )


def client_points_balance(*, client: Client, now: datetime | None = None) -> Balance:
    """Pending and redeemable points in one indexed query, whatever the history (R18).

    The balance row holds the total; pending sums only entries still on hold; redeemable
    is the rest.
    """
    row = _rewards_row(client_id=client.pk, now=now)
    if row is None:  # an unsaved client: nothing earned yet
        return Balance(pending=0, redeemable=0)
    return Balance(pending=row.pending, redeemable=row.redeemable)


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
    redeemable = row.redeemable
    minimum = dollars_to_points(minimum_dollars)
    return RewardsSummary(
        pending_points=row.pending,
        redeemable_points=redeemable,
        redeemable_value=points_to_dollars(redeemable),
        min_redemption_points=minimum,
        can_redeem=can_redeem(
            rewards_on=bool(rewards_on),
            min_dollars=minimum_dollars,
            redeemable=redeemable,
            tombstone=bool(tombstone),
        ),
        tiers_exist=row.tiers_exist,
        tier_window_days=row.tier_window_days,
        next_expiry=row.next_expiry,
    )


def client_rewards_summary(*, client: Client, now: datetime | None = None) -> RewardsSummary:
    """The rewards box (R28) in one query; balances stay visible with the feature off,
    redeeming does not (R34)."""
    summary = _rewards_summary(client_id=client.pk, now=now, tombstone=client.is_tombstone)
    if summary is None:  # an unsaved client: nothing earned yet
        minimum = dollars_to_points(loyalty_settings_get().min_redemption_dollars)
        summary = RewardsSummary(0, 0, points_to_dollars(0), minimum, False)
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


def ticket_kinds_amount(*, ticket: Ticket, kinds: list[str]) -> Decimal:
    """What a ticket's paid lines of these item kinds are worth: the most points may pay
    when the Manager narrowed the kinds (R57)."""
    return TicketLine.objects.filter(
        ticket_id=ticket.pk, item__kind__in=kinds, package_redemption=False
    ).aggregate(amount=Coalesce(Sum("net_amount"), Value(Decimal("0.00"))))["amount"]


def entry_allocations(*, entry: PointsEntry) -> QuerySet[Allocation]:
    """The lots an entry drew from (or gave back to), oldest first (R52, R53)."""
    return (
        Allocation.objects.filter(debit=entry)
        .exclude(lot_id=entry.pk)
        .select_related("lot")
        .order_by("id")
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


@dataclass(frozen=True)
class LotDisagreement:
    """A lot whose figures don't add up: points = still held + drawn + expired (R52-R54)."""

    lot_id: int
    client_id: int
    points: int
    remaining: int
    drawn: int
    expired: int


def lot_disagreements() -> list[LotDisagreement]:
    """Every lot whose points differ from what it still holds + what was drawn from it +
    what expired from it; a debt's (negative) points from what is still owed + what later
    points paid off. Allocations are append-only, so they are the record; `remaining` is
    the running figure checked against them."""

    def allocated(**filters):
        return Coalesce(
            Subquery(
                Allocation.objects.filter(lot_id=OuterRef("pk"), **filters)
                .order_by()
                .values("lot_id")
                .annotate(points=Sum("points"))
                .values("points")
            ),
            Value(0),
        )

    found = []
    lots = PointsLot.objects.annotate(
        drawn=allocated(debit__kind__in=_NOT_EXPIRE), expired=allocated(debit__kind="expire")
    ).order_by("pk")
    for lot in lots.filter(points__gt=0).exclude(points=F("remaining") + F("drawn") + F("expired")):
        found.append(
            LotDisagreement(
                lot.pk, lot.client_id, lot.points, lot.remaining, lot.drawn, lot.expired
            )
        )
    for debt in lots.filter(points__lt=0).select_related("entry"):
        # The debit first drew what lots it could (-entry.points + points), then later lots
        # paid the debt off; a merge clears a debt by drawing it back (negative draws).
        paid = (
            Allocation.objects.filter(debit_id=debt.pk).aggregate(points=Sum("points"))["points"]
            or 0
        ) - (-debt.entry.points + debt.points)
        if debt.remaining != debt.points + paid - debt.drawn - debt.expired:
            found.append(
                LotDisagreement(
                    debt.pk, debt.client_id, debt.points, debt.remaining, debt.drawn, paid
                )
            )
    return found


def lot_balance_disagreements() -> list[tuple[int, int, int]]:
    """(client id, balance total, sum of lot remainders) where the two differ: what the lots
    hold, less debts, is the balance (R52)."""
    lot_sums = (
        PointsLot.objects.filter(client_id=OuterRef("client_id"))
        .order_by()
        .values("client_id")
        .annotate(points=Sum("remaining"))
        .values("points")
    )
    return list(
        PointsBalance.objects.annotate(lots=Coalesce(Subquery(lot_sums), Value(0)))
        .exclude(total=F("lots"))
        .order_by("client_id")
        .values_list("client_id", "total", "lots")
    )


@dataclass(frozen=True)
class LotFiguresDisagreement:
    """A balance row whose stored lot figures differ from what the client's lots say."""

    client_id: int
    stored: tuple  # (next expiry date, its points, debt) as the balance row keeps them
    lots: tuple  # the same read from the lots


def lot_figures_disagreements() -> list[LotFiguresDisagreement]:
    """Balance rows whose next expiry (the earliest date of the lots still holding points,
    past or not), what the lots of that date hold, or debt differ from the lots (R52-R54):
    the balance read takes them from the row (P2)."""

    def lots_of_client():
        return PointsLot.objects.filter(client_id=OuterRef("client_id")).order_by()

    def lot_sum(lots):
        return Coalesce(
            Subquery(lots.values("client_id").annotate(points=Sum("remaining")).values("points")),
            Value(0),
        )

    first = Subquery(
        lots_of_client()
        .filter(remaining__gt=0, expires_on__isnull=False)
        .order_by("expires_on")
        .values("expires_on")[:1]
    )
    rows = (
        PointsBalance.objects.annotate(lots_next_on=first)
        .annotate(
            lots_next_points=lot_sum(
                lots_of_client().filter(remaining__gt=0, expires_on=OuterRef("lots_next_on"))
            ),
            lots_debt=-lot_sum(lots_of_client().filter(remaining__lt=0)),
        )
        .order_by("client_id")
        .values_list(
            "client_id", "next_expiry_on", "next_expiry_points", "debt",
            "lots_next_on", "lots_next_points", "lots_debt",
        )
    )  # fmt: skip
    return [
        LotFiguresDisagreement(row[0], row[1:4], row[4:]) for row in rows if row[1:4] != row[4:]
    ]
