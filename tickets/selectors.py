"""Reads about tickets: totals, payments and balance due (R30, R16, R21, R44)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from catalog.models import ItemKind
from salon.money import round_money

from .annotations import ticket_annotations
from .models import Payment, PaymentMethod, Ticket, TicketLine, TicketStatus, Tip
from .points_rules import PointsRoom

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=12, decimal_places=2)


def _sum(queryset, field: str) -> Decimal:
    summed = queryset.aggregate(summed=Sum(field))["summed"]
    # Backends differ in the scale of a summed decimal (SQLite may give "30"): two places.
    return round_money(summed if summed is not None else ZERO)


def line_pre_tax_net() -> Case:
    """A line's pre-tax net as an expression (R46): `net` when its price was before tax,
    `net - tax` when the price contained it. Tier spend sums it (R61); loyalty's earning
    and tier standing statements write the same in their SQL (loyalty/sql/ledger_state.py,
    standing.py; tests/loyalty/test_tier_standing.py holds the standing's equal to this)."""
    return Case(
        When(tax_included=True, then=F("net_amount") - F("tax")),
        default=F("net_amount"),
        output_field=MONEY,
    )


def qualifying_lines() -> QuerySet[TicketLine]:
    """The lines whose pre-tax net counts as qualifying spend (R61), on any ticket: all but
    gift cards (selling one takes money for a later visit, it isn't spending it)."""
    return TicketLine.objects.exclude(item__kind=ItemKind.GIFT_CARD)


def ticket_qualifying_lines(*, ticket_id: int) -> QuerySet[TicketLine]:
    return qualifying_lines().filter(ticket_id=ticket_id)


def client_qualifying_lines(*, client_id: int) -> QuerySet[TicketLine]:
    """The qualifying lines (R61) of the client's closed tickets, as they stand now
    (post-close adjustments included; points payments are payments, not line amounts, so
    they never reduce it)."""
    return qualifying_lines().filter(
        ticket__client_id=client_id, ticket__status=TicketStatus.CLOSED
    )


def ticket_total(*, ticket: Ticket) -> Decimal:
    """Lines' net, the tax added to prices that didn't contain it, and tips (R44)."""
    return ticket_amounts(ticket=ticket).total


def ticket_paid(*, ticket: Ticket) -> Decimal:
    """Everything paid on the ticket, points payments and settlements (refunds count negative)."""
    return _sum(Payment.objects.filter(ticket_id=ticket.pk), "amount")


def ticket_points_paid(*, ticket: Ticket) -> Decimal:
    """The dollar value of the ticket's points payments (R21)."""
    return _sum(Payment.objects.filter(ticket_id=ticket.pk, method=PaymentMethod.POINTS), "amount")


def ticket_balance_due(*, ticket: Ticket) -> Decimal:
    """Total - payments; negative on a closed ticket means a refund is owed (R16)."""
    return ticket_amounts(ticket=ticket).balance_due


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
    """Tickets annotated with the amounts of R44 (`subtotal_amount`, `tax_amount`,
    `tips_amount`, `total_amount`) and `paid_amount`, `balance_due_amount`, in one query
    whatever the number of lines, tips and payments (lists, admin, API).

    The total adds the tax of the lines priced before tax only: a line whose price
    contained its tax (R43) adds nothing more."""
    queryset = Ticket.objects.all() if queryset is None else queryset
    return (
        queryset.annotate(
            subtotal_amount=_summed_subquery(TicketLine, "net_amount"),
            tax_amount=_summed_subquery(TicketLine, "tax"),
            added_tax_amount=_summed_subquery(TicketLine, "tax", tax_included=False),
            tips_amount=_summed_subquery(Tip, "amount"),
            paid_amount=_summed_subquery(Payment, "amount"),
        )
        .annotate(
            total_amount=F("subtotal_amount") + F("added_tax_amount") + F("tips_amount"),
        )
        .annotate(
            balance_due_amount=F("total_amount") - F("paid_amount"),
            **ticket_annotations(),
        )
    )


@dataclass(frozen=True)
class TicketAmounts:
    """A ticket's money (R44): what the lines, tax and tips come to and what was paid."""

    subtotal: Decimal
    tax: Decimal
    tips: Decimal
    total: Decimal
    paid: Decimal

    @property
    def balance_due(self) -> Decimal:
        return self.total - self.paid


def ticket_amounts_of(ticket: Ticket) -> TicketAmounts:
    """The amounts of a ticket read through ticket_list_with_totals (no query)."""
    return TicketAmounts(
        subtotal=round_money(ticket.subtotal_amount),
        tax=round_money(ticket.tax_amount),
        tips=round_money(ticket.tips_amount),
        total=round_money(ticket.total_amount),
        paid=round_money(ticket.paid_amount),
    )


def ticket_amounts(*, ticket: Ticket) -> TicketAmounts:
    """The ticket's amounts (R44), in one query."""
    return ticket_amounts_of(
        ticket_list_with_totals(queryset=Ticket.objects.filter(pk=ticket.pk)).get()
    )


def ticket_points_room(*, ticket: Ticket) -> PointsRoom:
    """The ticket's PointsRoom, in one query."""
    amounts = (
        ticket_list_with_totals(queryset=Ticket.objects.filter(pk=ticket.pk))
        .annotate(
            points_paid_amount=_summed_subquery(Payment, "amount", method=PaymentMethod.POINTS)
        )
        .values(
            "total_amount",
            "paid_amount",
            "points_paid_amount",
            "tips_amount",
            "subtotal_amount",
            "tax_amount",
        )
        .get()
    )
    return PointsRoom(
        status=ticket.status,
        has_client=ticket.client_id is not None,
        total=round_money(amounts["total_amount"]),
        paid=round_money(amounts["paid_amount"]),
        points_paid=round_money(amounts["points_paid_amount"]),
        tips=round_money(amounts["tips_amount"]),
        subtotal=round_money(amounts["subtotal_amount"]),
        tax=round_money(amounts["tax_amount"]),
    )
