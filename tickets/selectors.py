"""Reads about tickets: totals, payments and balance due (R30, R16, R21)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from salon.money import dollars_to_points, round_money

from .models import Payment, PaymentMethod, Ticket, TicketLine, TicketStatus

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=12, decimal_places=2)


def _sum(queryset, field: str) -> Decimal:
    summed = queryset.aggregate(summed=Sum(field))["summed"]
    # Backends differ in the scale of a summed decimal (SQLite may give "30"): two places.
    return round_money(summed if summed is not None else ZERO)


def ticket_total(*, ticket: Ticket) -> Decimal:
    """The sum of the ticket's net line amounts (R30)."""
    return _sum(TicketLine.objects.filter(ticket_id=ticket.pk), "net_amount")


def ticket_paid(*, ticket: Ticket) -> Decimal:
    """Everything paid on the ticket, points payments and settlements (refunds count negative)."""
    return _sum(Payment.objects.filter(ticket_id=ticket.pk), "amount")


def ticket_points_paid(*, ticket: Ticket) -> Decimal:
    """The dollar value of the ticket's points payments (R21)."""
    return _sum(Payment.objects.filter(ticket_id=ticket.pk, method=PaymentMethod.POINTS), "amount")


def ticket_balance_due(*, ticket: Ticket) -> Decimal:
    """Total - payments; negative on a closed ticket means a refund is owed (R16)."""
    return ticket_total(ticket=ticket) - ticket_paid(ticket=ticket)


def _summed_subquery(model, field: str, **filters) -> Coalesce:
    # A correlated subquery per sum: joining lines and payments together would multiply rows.
    per_ticket = (
        model.objects.filter(ticket=OuterRef("pk"), **filters)
        .order_by()
        .values("ticket")
        .annotate(summed=Sum(field))
        .values("summed")
    )
    return Coalesce(Subquery(per_ticket, output_field=MONEY), Value(ZERO), output_field=MONEY)


def ticket_list_with_totals(*, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    """Tickets annotated with `total_amount`, `paid_amount` and `balance_due_amount`, in one
    query whatever the number of lines and payments (lists, admin, API)."""
    queryset = Ticket.objects.all() if queryset is None else queryset
    return queryset.annotate(
        total_amount=_summed_subquery(TicketLine, "net_amount"),
        paid_amount=_summed_subquery(Payment, "amount"),
    ).annotate(
        balance_due_amount=F("total_amount") - F("paid_amount"),
    )


# --- how many points may pay on a ticket (R21) ----------------------------------------------

WALK_IN_TICKET = "walk_in_ticket"
TICKET_NOT_OPEN = "ticket_not_open"
EXCEEDS_TICKET_TOTAL = "exceeds_ticket_total"
EXCEEDS_BALANCE_DUE = "exceeds_balance_due"


@dataclass(frozen=True)
class PointsRoom:
    """A ticket's amounts as they bear on points payments (R21): the one answer to "how many
    points may pay on this ticket now, and if none, why" for payment_add, the line-change
    guard, loyalty's redemption and the desk's payment area. Pure: built from amounts."""

    status: str
    has_client: bool
    total: Decimal
    paid: Decimal
    points_paid: Decimal

    @property
    def balance_due(self) -> Decimal:
        return self.total - self.paid

    def refusal_for(self, points: int) -> str | None:
        """The code of the rule a points payment of `points` would break, or None."""
        if self.status != TicketStatus.OPEN:
            return TICKET_NOT_OPEN
        if not self.has_client:
            return WALK_IN_TICKET
        if dollars_to_points(self.points_paid) + points >= dollars_to_points(self.total):
            return EXCEEDS_TICKET_TOTAL  # strictly below the total, all points payments
        if points > dollars_to_points(self.balance_due):
            return EXCEEDS_BALANCE_DUE
        return None

    @property
    def points(self) -> int:
        """The most points one more points payment may be now (0: none)."""
        if self.refusal_for(1) is not None:
            return 0
        under_total = dollars_to_points(self.total) - dollars_to_points(self.points_paid) - 1
        return min(under_total, dollars_to_points(self.balance_due))

    @property
    def refusal(self) -> str | None:
        """Why no point may pay now (a code), or None when some may."""
        return self.refusal_for(1)

    @property
    def points_fit(self) -> bool:
        """Whether the points already paid stay strictly under the total (R21)."""
        return self.points_paid <= 0 or self.points_paid < self.total


def ticket_points_room(*, ticket: Ticket) -> PointsRoom:
    """The ticket's PointsRoom, in one query."""
    amounts = (
        ticket_list_with_totals(queryset=Ticket.objects.filter(pk=ticket.pk))
        .annotate(
            points_paid_amount=_summed_subquery(Payment, "amount", method=PaymentMethod.POINTS)
        )
        .values("total_amount", "paid_amount", "points_paid_amount")
        .get()
    )
    return PointsRoom(
        status=ticket.status,
        has_client=ticket.client_id is not None,
        total=round_money(amounts["total_amount"]),
        paid=round_money(amounts["paid_amount"]),
        points_paid=round_money(amounts["points_paid_amount"]),
    )
