"""Closing and voiding tickets (R31, R16, R22)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from salon.errors import DomainError, PermissionRefused
from tickets.lifecycle import ticket_close, ticket_open, ticket_void
from tickets.lines import ticket_add_line
from tickets.models import Ticket, TicketAdjustment, TicketStatus
from tickets.payments import payment_add
from tickets.selectors import ticket_balance_due

from .factories import closed_ticket, paid_ticket, service_item, ticket_with_lines

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_close_a_fully_paid_ticket_stamps_closed_at_and_announces(tickets_signals):  # R31
    ticket = paid_ticket("100.00", "20.00")
    closed = ticket_close(ticket=ticket, now=NOON)
    assert (closed.status, closed.closed_at) == (TicketStatus.CLOSED, NOON)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == (TicketStatus.CLOSED, NOON)
    [sent] = tickets_signals.of("ticket_closed")
    assert (sent["sender"], sent["ticket"].pk, sent["now"]) == (Ticket, ticket.pk, NOON)


def test_close_stamps_the_current_time(time_machine):
    time_machine.move_to(NOON, tick=False)
    closed = ticket_close(ticket=paid_ticket("10.00"))
    assert closed.closed_at == NOON


@pytest.mark.parametrize("paid", ["0", "99.99"])
def test_close_refused_unless_payments_equal_total(paid, tickets_signals):  # R31
    ticket = ticket_with_lines("100.00")
    if paid != "0":
        payment_add(ticket=ticket, method="cash", amount=Decimal(paid))
    with pytest.raises(DomainError) as refused:
        ticket_close(ticket=ticket)
    assert refused.value.code == "ticket_not_settled"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == (TicketStatus.OPEN, None)
    assert tickets_signals.sent == []


def test_closing_twice_is_a_no_op(tickets_signals):  # R31
    ticket = closed_ticket("50.00")
    first_closed_at = ticket.closed_at
    again = ticket_close(ticket=ticket, now=NOON)
    assert (again.status, again.closed_at) == (TicketStatus.CLOSED, first_closed_at)
    assert tickets_signals.names() == ["ticket_closed"]


def test_ticket_without_lines_is_not_closed():  # decision: nothing to close
    ticket = ticket_open()
    with pytest.raises(DomainError) as refused:
        ticket_close(ticket=ticket)
    assert refused.value.code == "ticket_has_no_lines"
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN


def test_ticket_of_package_redemptions_only_closes_at_zero():  # R9
    ticket = ticket_open()
    ticket_add_line(ticket=ticket, item=service_item(), package_redemption=True)
    assert ticket_close(ticket=ticket).status == TicketStatus.CLOSED


def test_voided_ticket_cannot_close(front_desk, tickets_signals):
    ticket = ticket_void(ticket=paid_ticket("10.00"), user=front_desk)
    with pytest.raises(DomainError) as refused:
        ticket_close(ticket=ticket)
    assert refused.value.code == "ticket_voided"
    assert tickets_signals.names() == ["ticket_voided"]


def test_front_desk_voids_an_open_ticket(front_desk, tickets_signals):  # R22
    ticket = ticket_with_lines("10.00")
    voided = ticket_void(ticket=ticket, user=front_desk, reason="walked out", now=NOON)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.voided_at, ticket.void_reason) == (
        TicketStatus.VOIDED,
        NOON,
        "walked out",
    )
    assert voided.status == TicketStatus.VOIDED
    [sent] = tickets_signals.of("ticket_voided")
    assert (sent["ticket"].pk, sent["was_closed"], sent["now"]) == (ticket.pk, False, NOON)
    assert TicketAdjustment.objects.count() == 0


def test_voiding_twice_is_a_no_op(front_desk, tickets_signals):
    ticket = ticket_void(ticket=ticket_with_lines("10.00"), user=front_desk)
    ticket_void(ticket=ticket, user=front_desk)
    assert tickets_signals.names() == ["ticket_voided"]


def test_manager_voids_a_closed_ticket_with_a_reason(manager, tickets_signals):  # R16
    ticket = closed_ticket("80.00")
    ticket_void(ticket=ticket, user=manager, reason="refund: unhappy", now=NOON)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.VOIDED
    assert ticket.closed_at is not None  # kept: when it closed stays part of its history
    adjustment = ticket.adjustments.get()
    assert (adjustment.kind, adjustment.reason, adjustment.created_by) == (
        TicketAdjustment.Kind.VOIDED,
        "refund: unhappy",
        manager,
    )
    [sent] = tickets_signals.of("ticket_voided")
    assert sent["was_closed"] is True
    assert ticket.payments.count() == 1


def test_front_desk_cannot_void_a_closed_ticket(front_desk, tickets_signals):  # R16, §10
    ticket = closed_ticket("80.00")
    with pytest.raises(PermissionRefused):
        ticket_void(ticket=ticket, user=front_desk, reason="please")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert tickets_signals.of("ticket_voided") == []


def test_closed_ticket_void_needs_a_reason(manager):  # R16
    ticket = closed_ticket("80.00")
    with pytest.raises(DomainError) as error:
        ticket_void(ticket=ticket, user=manager, reason="  ")
    assert error.value.field == "reason"
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CLOSED


def test_close_compares_cents_exactly_whatever_the_database():  # R1, R31
    """Three lines of 33.33 and three payments of 33.33: closed (SQLite sums reals, so the
    close compares whole cents), and a cent short is refused."""
    ticket = ticket_with_lines("33.33", "33.33", "33.33")
    for _ in range(3):
        payment_add(ticket=ticket, method="cash", amount=Decimal("33.33"))
    assert ticket_close(ticket=ticket).status == TicketStatus.CLOSED
    short = ticket_with_lines("33.33", "33.33", "33.34")
    for _ in range(3):
        payment_add(ticket=short, method="cash", amount=Decimal("33.33"))
    with pytest.raises(DomainError) as refused:
        ticket_close(ticket=short)
    assert refused.value.code == "ticket_not_settled"
    assert ticket_balance_due(ticket=short) == Decimal("0.01")
    assert Ticket.objects.get(pk=short.pk).status == TicketStatus.OPEN


def test_closing_an_unknown_ticket_raises_does_not_exist():
    with pytest.raises(Ticket.DoesNotExist):
        ticket_close(ticket=Ticket(pk=10**9))
