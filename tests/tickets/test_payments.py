"""Payments on open tickets, points payments for redemption, removal (R21, R22, R30, R32)."""

from decimal import Decimal

import pytest

from salon.errors import DomainError
from tickets import selectors
from tickets.lifecycle import ticket_void
from tickets.models import Payment
from tickets.payments import payment_add, payment_remove

from .factories import closed_ticket, ticket_with_lines

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["cash", "card", "check", "gift_card"])
def test_payment_reduces_balance_due(method, front_desk):  # R30
    ticket = ticket_with_lines("100.00")
    payment = payment_add(ticket=ticket, method=method, amount=Decimal("40.00"), user=front_desk)
    assert (payment.method, payment.amount, payment.points) == (method, Decimal("40.00"), None)
    assert payment.created_by == front_desk
    assert selectors.ticket_paid(ticket=ticket) == Decimal("40.00")
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("60.00")


@pytest.mark.parametrize(
    ("method", "amount", "field"),
    [
        ("cash", Decimal("0"), "amount"),
        ("cash", Decimal("-5.00"), "amount"),
        ("cash", Decimal("100.01"), "amount"),  # overpaying
        ("bitcoin", Decimal("5.00"), "method"),
        ("cash", 12.5, "amount"),
        ("cash", "twelve", "amount"),
    ],
)
def test_bad_payment_is_refused_and_changes_nothing(method, amount, field):  # R32
    ticket = ticket_with_lines("100.00")
    with pytest.raises(DomainError) as error:
        payment_add(ticket=ticket, method=method, amount=amount)
    assert error.value.field == field
    assert Payment.objects.count() == 0


def test_overpaying_counts_earlier_payments():  # R32
    ticket = ticket_with_lines("100.00")
    payment_add(ticket=ticket, method="card", amount=Decimal("70.00"))
    with pytest.raises(DomainError) as refused:
        payment_add(ticket=ticket, method="cash", amount=Decimal("30.01"))
    assert refused.value.code == "exceeds_balance_due"
    payment_add(ticket=ticket, method="cash", amount=Decimal("30.00"))
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("0.00")


def test_no_payment_on_closed_or_voided_ticket(front_desk):  # R32
    ticket = closed_ticket("50.00")
    with pytest.raises(DomainError) as refused:
        payment_add(ticket=ticket, method="cash", amount=Decimal("1.00"))
    assert refused.value.code == "ticket_not_open"
    voided = ticket_void(ticket=ticket_with_lines("10.00"), user=front_desk)
    with pytest.raises(DomainError) as refused:
        payment_add(ticket=voided, method="cash", amount=Decimal("1.00"))
    assert refused.value.code == "ticket_voided"
    assert Payment.objects.count() == 1


def test_points_payment_is_worth_points_over_100():  # R2, R21
    ticket = ticket_with_lines("100.00")
    payment = payment_add(ticket=ticket, method="points", amount=Decimal("25.00"), points=2500)
    assert (payment.method, payment.points, payment.amount) == ("points", 2500, Decimal("25.00"))
    assert selectors.ticket_points_paid(ticket=ticket) == Decimal("25.00")
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("75.00")


@pytest.mark.parametrize(
    ("amount", "points", "field"),
    [
        (Decimal("25.00"), None, "points"),
        (Decimal("25.00"), 0, "points"),
        (Decimal("25.00"), 2499, "amount"),
        (Decimal("0.01"), True, "points"),
        (Decimal("100.00"), 10000, "points"),  # equal to the total: not strictly below
        (Decimal("150.00"), 15000, "points"),
    ],
)
def test_bad_points_payment_is_refused(amount, points, field):  # R21
    ticket = ticket_with_lines("100.00")
    with pytest.raises(DomainError) as error:
        payment_add(ticket=ticket, method="points", amount=amount, points=points)
    assert error.value.field == field
    assert Payment.objects.count() == 0


def test_all_points_payments_stay_strictly_below_total():  # R21
    ticket = ticket_with_lines("100.00")
    payment_add(ticket=ticket, method="points", amount=Decimal("60.00"), points=6000)
    with pytest.raises(DomainError) as refused:
        payment_add(ticket=ticket, method="points", amount=Decimal("40.00"), points=4000)
    assert refused.value.code == "exceeds_ticket_total"
    payment_add(ticket=ticket, method="points", amount=Decimal("39.99"), points=3999)
    assert selectors.ticket_points_paid(ticket=ticket) == Decimal("99.99")


def test_redemption_never_exceeds_balance_due():  # R21
    ticket = ticket_with_lines("100.00")
    payment_add(ticket=ticket, method="cash", amount=Decimal("90.00"))
    with pytest.raises(DomainError) as refused:
        payment_add(ticket=ticket, method="points", amount=Decimal("10.01"), points=1001)
    assert refused.value.code == "exceeds_balance_due"
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("10.00")
    assert selectors.ticket_points_paid(ticket=ticket) == Decimal("0.00")


def test_points_payment_needs_a_client():  # R21
    ticket = ticket_with_lines("100.00", walk_in=True)
    with pytest.raises(DomainError) as refused:
        payment_add(ticket=ticket, method="points", amount=Decimal("1.00"), points=100)
    assert refused.value.code == "walk_in_ticket"


def test_only_points_payments_carry_points():
    ticket = ticket_with_lines("100.00")
    with pytest.raises(DomainError) as error:
        payment_add(ticket=ticket, method="cash", amount=Decimal("1.00"), points=100)
    assert error.value.field == "points"


def test_remove_payment_from_open_ticket(front_desk, tickets_signals):  # R22
    ticket = ticket_with_lines("100.00")
    payment = payment_add(ticket=ticket, method="points", amount=Decimal("10.00"), points=1000)
    payment_id = payment.pk
    payment_remove(payment=payment)
    assert not Payment.objects.filter(pk=payment_id).exists()
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("100.00")
    [sent] = tickets_signals.of("payment_removed")
    assert sent["ticket"] == ticket
    assert sent["payment_id"] == payment_id
    assert sent["payment"].points == 1000


def test_payment_removed_twice_is_refused_and_announced_once(front_desk, tickets_signals):
    ticket = ticket_with_lines("100.00")
    payment = payment_add(ticket=ticket, method="cash", amount=Decimal("10.00"))
    stale = Payment.objects.get(pk=payment.pk)
    payment_remove(payment=payment)
    with pytest.raises(DomainError) as refused:
        payment_remove(payment=stale)
    assert refused.value.code == "payment_already_removed"
    assert tickets_signals.names() == ["payment_removed"]


def test_payments_of_closed_ticket_stay(front_desk, tickets_signals):  # R16
    ticket = closed_ticket("50.00")
    with pytest.raises(DomainError) as refused:
        payment_remove(payment=ticket.payments.get())
    assert refused.value.code == "ticket_not_open"
    assert ticket.payments.count() == 1
    assert tickets_signals.of("payment_removed") == []
