"""Tips on an open ticket: add and remove (R45). A tip is not taxed and earns nothing (its
row is outside the lines that earn), and points can't pay it (points_rules.PointsRoom)."""

from decimal import Decimal

from django.db import transaction

from .checks import exact_decimal, staff_active_check
from .errors import TipNotPositive, TipOnClosedTicket, TotalBelowPayments
from .locks import lock_ticket
from .models import Ticket, TicketStatus, Tip
from .selectors import ticket_points_room


@transaction.atomic
def tip_add(*, ticket: Ticket, amount: Decimal, staff=None, user=None) -> Tip:
    """Add a tip (amount > 0) to an open ticket, for an active staff member or the salon;
    it adds to the total and the balance due."""
    ticket = lock_ticket(ticket)
    if ticket.status != TicketStatus.OPEN:
        raise TipOnClosedTicket()
    amount = exact_decimal(amount, field="amount")
    if amount <= 0:
        raise TipNotPositive()
    staff_active_check(staff)
    tip = Tip(
        ticket=ticket,
        amount=amount,
        staff=staff,
        created_by=user if user is not None and user.pk else None,
    )
    tip.full_clean(exclude=["ticket", "staff", "created_by"])
    tip.save()
    return tip


@transaction.atomic
def tip_remove(*, tip: Tip, user=None) -> None:
    """Remove a tip from an open ticket, unless the total would fall below what was paid."""
    ticket = lock_ticket(tip.ticket_id)
    if ticket.status != TicketStatus.OPEN:
        raise TipOnClosedTicket()
    current = Tip.objects.filter(pk=tip.pk, ticket=ticket).first()
    if current is None:
        return  # removed already: the retry of a DELETE changes nothing
    room = ticket_points_room(ticket=ticket)
    if room.total - current.amount < room.paid:
        raise TotalBelowPayments(
            f"Without this tip the total ({room.total - current.amount}) would be below what "
            f"was paid ({room.paid}): remove a payment first."
        )
    current.delete()
