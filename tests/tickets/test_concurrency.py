"""The ticket row lock serialises concurrent changes (R21, R31, R32). PostgreSQL only."""

from decimal import Decimal

import pytest
from django.db import connection

from salon.errors import DomainError
from tests.concurrency import run_together
from tickets import selectors
from tickets.lifecycle import ticket_close
from tickets.lines import ticket_add_line
from tickets.models import Payment
from tickets.payments import payment_add

from .factories import paid_ticket, service_item, ticket_with_lines

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")


def test_two_payments_that_together_overpay_one_wins():  # R32
    ticket = ticket_with_lines("100.00")
    outcomes = run_together(
        *[
            lambda: payment_add(ticket=ticket, method="cash", amount=Decimal("60.00"))
            for _ in range(2)
        ]
    )
    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "ExceedsBalanceDue",
        "Payment",
    ]
    assert Payment.objects.filter(ticket=ticket).count() == 1
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("40.00")


def test_two_points_payments_stay_below_the_total():  # R21
    ticket = ticket_with_lines("100.00")
    outcomes = run_together(
        *[
            lambda: payment_add(
                ticket=ticket, method="points", amount=Decimal("60.00"), points=6000
            )
            for _ in range(2)
        ]
    )
    assert sum(isinstance(outcome, DomainError) for outcome in outcomes) == 1
    assert selectors.ticket_points_paid(ticket=ticket) == Decimal("60.00")


@pytest.mark.parametrize("round_", range(5))
def test_close_racing_a_new_line_never_closes_unbalanced(round_):  # R31, R32
    """The close's UPDATE sums lines and payments after the ticket's lock is granted: either
    the line lands first and the close is refused, or the close lands first and the line is
    refused; never a closed ticket whose payments differ from its total."""
    ticket = paid_ticket("100.00")
    item = service_item("20.00")
    close, add = run_together(
        lambda: ticket_close(ticket=ticket),
        lambda: ticket_add_line(ticket=ticket, item=item),
    )
    ticket.refresh_from_db()
    if ticket.status == "closed":
        assert isinstance(add, DomainError)
        assert selectors.ticket_total(ticket=ticket) == Decimal("100.00")
    else:
        assert isinstance(close, DomainError) and close.code == "ticket_not_settled"
        assert selectors.ticket_total(ticket=ticket) == Decimal("120.00")
    assert selectors.ticket_paid(ticket=ticket) == Decimal("100.00")


def test_two_closes_announce_once(tickets_signals):  # R31, R13
    ticket = paid_ticket("100.00")
    outcomes = run_together(*[lambda: ticket_close(ticket=ticket) for _ in range(2)])
    assert all(outcome.status == "closed" for outcome in outcomes)
    assert tickets_signals.names() == ["ticket_closed"]
