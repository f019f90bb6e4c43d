"""Ticket totals and balances, one by one and annotated for lists (R16, R21, R30)."""

from decimal import Decimal

import pytest

from tickets import selectors
from tickets.lifecycle import ticket_open
from tickets.payments import payment_add

from .factories import closed_ticket, ticket_with_lines

pytestmark = pytest.mark.django_db


def test_totals_paid_points_and_balance():
    ticket = ticket_with_lines("100.00", "25.50")
    payment_add(ticket=ticket, method="points", amount=Decimal("10.00"), points=1000)
    payment_add(ticket=ticket, method="card", amount=Decimal("15.25"))
    assert selectors.ticket_total(ticket=ticket) == Decimal("125.50")
    assert selectors.ticket_paid(ticket=ticket) == Decimal("25.25")
    assert selectors.ticket_points_paid(ticket=ticket) == Decimal("10.00")
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("100.25")


def test_annotated_list_matches_the_selectors(django_assert_num_queries):
    empty = ticket_open()
    partly = ticket_with_lines("100.00", "20.00")
    payment_add(ticket=partly, method="cash", amount=Decimal("50.00"))
    closed = closed_ticket("30.00", "10.00")
    with django_assert_num_queries(1):
        rows = {
            ticket.pk: (ticket.total_amount, ticket.paid_amount, ticket.balance_due_amount)
            for ticket in selectors.ticket_list_with_totals()
        }
    assert rows == {
        empty.pk: (Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
        partly.pk: (Decimal("120.00"), Decimal("50.00"), Decimal("70.00")),
        closed.pk: (Decimal("40.00"), Decimal("40.00"), Decimal("0.00")),
    }
