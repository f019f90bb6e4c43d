"""Reads about tickets: totals, payments and balance due (R30, R16, R21)."""

from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from salon.money import round_money

from .models import Payment, PaymentMethod, Ticket, TicketLine

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


def _summed_subquery(model, field: str) -> Coalesce:
    # A correlated subquery per sum: joining lines and payments together would multiply rows.
    per_ticket = (
        model.objects.filter(ticket=OuterRef("pk"))
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
