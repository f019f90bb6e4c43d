"""Tickets announce close, void, adjustment and payment removal exactly once per change, inside
the transaction, and never for a refused or rolled-back change (SPEC §1, R13, R31)."""

from decimal import Decimal

import pytest
from django.db import transaction

from salon.errors import DomainError
from tickets.lifecycle import ticket_close, ticket_void
from tickets.lines import ticket_update_line
from tickets.models import Payment, Ticket, TicketStatus
from tickets.payments import payment_add, payment_remove

from .factories import closed_ticket, paid_ticket, ticket_with_lines

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_each_change_is_announced_once(manager, tickets_signals):
    ticket = ticket_with_lines("100.00")
    payment = payment_add(ticket=ticket, method="cash", amount=Decimal("10.00"))
    payment_remove(payment=payment)
    payment_add(ticket=ticket, method="cash", amount=Decimal("100.00"))
    ticket_close(ticket=ticket)
    ticket_close(ticket=ticket)
    ticket_update_line(line=ticket.lines.get(), user=manager, quantity=2, reason="r")
    ticket_void(ticket=ticket, user=manager, reason="refund")
    ticket_void(ticket=ticket, user=manager, reason="refund")
    assert tickets_signals.names() == [
        "payment_removed",
        "ticket_closed",
        "ticket_adjusted",
        "ticket_voided",
    ]
    assert all(kwargs["sender"] is Ticket for _, kwargs in tickets_signals.sent)


def test_close_rolled_back_by_a_later_error_stays_open(tickets_signals):
    """The signal was sent inside the transaction; a listener's work rolls back with it."""
    ticket = paid_ticket("100.00")
    with pytest.raises(Boom), transaction.atomic():
        ticket_close(ticket=ticket)
        raise Boom
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN
    # Announced inside the (rolled back) transaction; no second announcement happened.
    assert tickets_signals.names() == ["ticket_closed"]
    ticket_close(ticket=ticket)
    assert tickets_signals.names() == ["ticket_closed", "ticket_closed"]


def test_a_failing_listener_rolls_the_close_back():  # SPEC §1: never closed without points
    from tickets.signals import ticket_closed

    def refuse(sender, **kwargs):
        raise Boom

    ticket_closed.connect(refuse, dispatch_uid="test-refuse-close")
    try:
        ticket = paid_ticket("100.00")
        with pytest.raises(Boom):
            ticket_close(ticket=ticket)
    finally:
        ticket_closed.disconnect(dispatch_uid="test-refuse-close")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == (TicketStatus.OPEN, None)


def test_a_failing_listener_rolls_the_void_and_the_adjustment_back(manager):
    from tickets.signals import ticket_adjusted, ticket_voided

    def refuse(sender, **kwargs):
        raise Boom

    ticket = closed_ticket("100.00")
    ticket_voided.connect(refuse, dispatch_uid="test-refuse-void")
    ticket_adjusted.connect(refuse, dispatch_uid="test-refuse-adjust")
    try:
        with pytest.raises(Boom):
            ticket_void(ticket=ticket, user=manager, reason="r")
        with pytest.raises(Boom):
            ticket_update_line(line=ticket.lines.get(), user=manager, quantity=3, reason="r")
    finally:
        ticket_voided.disconnect(dispatch_uid="test-refuse-void")
        ticket_adjusted.disconnect(dispatch_uid="test-refuse-adjust")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.lines.get().quantity == 1
    assert ticket.adjustments.count() == 0


def test_a_failing_listener_keeps_the_payment(manager):  # R22
    from tickets.signals import payment_removed

    def refuse(sender, **kwargs):
        raise Boom

    ticket = ticket_with_lines("100.00")
    payment = payment_add(ticket=ticket, method="cash", amount=Decimal("5.00"))
    payment_removed.connect(refuse, dispatch_uid="test-refuse-removal")
    try:
        with pytest.raises(Boom):
            payment_remove(payment=payment)
    finally:
        payment_removed.disconnect(dispatch_uid="test-refuse-removal")
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_refused_changes_are_not_announced(manager, front_desk, tickets_signals):
    open_ticket = ticket_with_lines("100.00")
    with pytest.raises(DomainError):
        ticket_close(ticket=open_ticket)  # unpaid
    closed = closed_ticket("50.00")
    tickets_signals.sent.clear()
    with pytest.raises(DomainError):
        ticket_void(ticket=closed, user=front_desk, reason="r")
    with pytest.raises(DomainError):
        ticket_update_line(line=closed.lines.get(), user=manager, quantity=0, reason="r")
    with pytest.raises(DomainError):
        payment_remove(payment=closed.payments.get())
    assert tickets_signals.sent == []


def test_adjustment_and_void_rolled_back_by_outer_transaction(manager, tickets_signals):
    ticket = closed_ticket("100.00")
    tickets_signals.sent.clear()
    with pytest.raises(Boom), transaction.atomic():
        ticket_update_line(line=ticket.lines.get(), user=manager, quantity=2, reason="r")
        ticket_void(ticket=ticket, user=manager, reason="r")
        raise Boom
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.lines.get().quantity == 1
    assert ticket.adjustments.count() == 0
