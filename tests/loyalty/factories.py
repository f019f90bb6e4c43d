"""Loyalty test helpers: rules set as a Manager would, and tickets closed, adjusted and voided
the way the tickets app announces it (its signals, inside one transaction), keeping the
stored qualifying spend as its services do (tickets/spend.py, R61)."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from loyalty.models import EarningRule
from loyalty.selectors import earning_rules_get
from tests.catalog.factories import ItemFactory
from tickets import signals
from tickets.models import Ticket, TicketAdjustment, TicketLine, TicketStatus
from tickets.spend import ticket_spend_count


def rule_set(action, *, points, spend_unit=None, referrer_points=None, active=True):
    """Configure one action (test setup; the service's validation is tested on its own)."""
    earning_rules_get()
    values = {"active": active, "points": points}
    if spend_unit is not None:
        values["spend_unit"] = spend_unit
    if referrer_points is not None:
        values["referrer_points"] = referrer_points
    EarningRule.objects.filter(action=action).update(**values)


def ticket_with_lines(*, customer=None, lines=(), appointment=None, reservation=None) -> Ticket:
    """An open ticket; lines are (kind, net amount) or (kind, net amount, package_redemption)
    or (Item, net amount)."""
    ticket = Ticket.objects.create(
        client=customer, appointment=appointment, reservation=reservation
    )
    for line in lines:
        kind_or_item, amount, *rest = line
        item = kind_or_item if hasattr(kind_or_item, "pk") else ItemFactory(kind=kind_or_item)
        TicketLine.objects.create(
            ticket=ticket,
            item=item,
            unit_price=amount,
            net_amount=amount,
            package_redemption=bool(rest and rest[0]),
        )
    return ticket


def ticket_close(ticket: Ticket, *, now: datetime | None = None) -> Ticket:
    now = now or timezone.now()
    with transaction.atomic():
        ticket.status = TicketStatus.CLOSED
        ticket.closed_at = now
        ticket.save()
        ticket_spend_count(ticket=ticket, sign=1)
        signals.ticket_closed.send(sender=Ticket, ticket=ticket, now=now)
    return ticket


def closed_ticket(*, customer=None, lines=(), now=None, **kwargs) -> Ticket:
    return ticket_close(ticket_with_lines(customer=customer, lines=lines, **kwargs), now=now)


def line_set_net(line: TicketLine, amount: Decimal, *, now: datetime | None = None) -> None:
    """A Manager corrects a closed ticket's line (R16)."""
    now = now or timezone.now()
    with transaction.atomic():
        old = str(line.net_amount)
        line.unit_price = amount
        line.net_amount = amount
        ticket_spend_count(ticket=line.ticket, sign=-1)
        line.save()
        ticket_spend_count(ticket=line.ticket, sign=1)
        adjustment = TicketAdjustment.objects.create(
            ticket=line.ticket,
            kind=TicketAdjustment.Kind.LINE_CHANGED,
            line_id=line.pk,
            old_values={"net_amount": old},
            new_values={"net_amount": str(amount)},
            reason="Price corrected",
        )
        signals.ticket_adjusted.send(
            sender=Ticket, ticket=line.ticket, adjustment=adjustment, now=now
        )


def ticket_void(ticket: Ticket, *, now: datetime | None = None) -> Ticket:
    now = now or timezone.now()
    with transaction.atomic():
        was_closed = ticket.status == TicketStatus.CLOSED
        if was_closed:
            ticket_spend_count(ticket=ticket, sign=-1)
        ticket.status = TicketStatus.VOIDED
        ticket.voided_at = now
        ticket.save()
        signals.ticket_voided.send(sender=Ticket, ticket=ticket, was_closed=was_closed, now=now)
    return ticket
