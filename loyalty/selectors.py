"""Reads of the loyalty program: rules, settings, a client's tickets and entries, and the
ledger's own checks (the rewards box is loyalty/rewards_box.py's)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from clients.models import Client
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
from tickets.models import Ticket, TicketLine, TicketStatus

_NOT_EXPIRE = [kind for kind in EntryKind.values if kind != EntryKind.EXPIRE]
CATALOGUE_ORDER = {action: position for position, action in enumerate(ACTIONS)}


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
