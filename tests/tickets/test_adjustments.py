"""Adjusting and settling closed tickets (R16)."""

from decimal import Decimal

import pytest

from salon.errors import DomainError, PermissionRefused
from tickets import selectors
from tickets.lifecycle import ticket_settle, ticket_void
from tickets.lines import ticket_remove_line, ticket_update_line
from tickets.models import Payment, TicketAdjustment, TicketLine

from .factories import closed_ticket, ticket_with_lines

pytestmark = pytest.mark.django_db


def test_manager_changes_a_closed_line_and_it_is_recorded(manager, tickets_signals):  # R16
    ticket = closed_ticket("100.00")
    line = ticket.lines.get()
    line = ticket_update_line(
        line=line, user=manager, discount_amount=Decimal("20.00"), reason="price match"
    )
    assert line.net_amount == Decimal("80.00")
    assert selectors.ticket_total(ticket=ticket) == Decimal("80.00")
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("-20.00")  # refund owed
    adjustment = ticket.adjustments.get()
    assert (adjustment.kind, adjustment.line_id, adjustment.reason, adjustment.created_by) == (
        TicketAdjustment.Kind.LINE_CHANGED,
        line.pk,
        "price match",
        manager,
    )
    assert adjustment.old_values["net_amount"] == "100.00"
    assert adjustment.old_values["discount_amount"] is None
    assert adjustment.new_values["discount_amount"] == "20.00"
    assert adjustment.new_values["net_amount"] == "80.00"
    [sent] = tickets_signals.of("ticket_adjusted")
    assert (sent["ticket"].pk, sent["adjustment"]) == (ticket.pk, adjustment)
    assert sent["now"] is not None


def test_closed_line_quantity_and_price_can_go_up(manager):  # R16
    ticket = closed_ticket("100.00")
    ticket_update_line(
        line=ticket.lines.get(),
        user=manager,
        quantity=2,
        unit_price=Decimal("60.00"),
        reason="two services",
    )
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("20.00")


def test_manager_removes_a_closed_line(manager, tickets_signals):  # R16
    ticket = closed_ticket("100.00", "30.00")
    line = ticket.lines.last()
    ticket_remove_line(line=line, user=manager, reason="not performed")
    assert not TicketLine.objects.filter(pk=line.pk).exists()
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("-30.00")
    adjustment = ticket.adjustments.get()
    assert (adjustment.kind, adjustment.line_id, adjustment.new_values) == (
        TicketAdjustment.Kind.LINE_REMOVED,
        line.pk,
        {},
    )
    assert adjustment.old_values["net_amount"] == "30.00"
    assert len(tickets_signals.of("ticket_adjusted")) == 1


def test_front_desk_cannot_touch_a_closed_ticket(front_desk, tickets_signals):  # R16, §10
    ticket = closed_ticket("100.00")
    line = ticket.lines.get()
    with pytest.raises(PermissionRefused):
        ticket_update_line(line=line, user=front_desk, quantity=2, reason="x")
    with pytest.raises(PermissionRefused):
        ticket_remove_line(line=line, user=front_desk, reason="x")
    with pytest.raises(PermissionRefused):
        ticket_settle(
            ticket=ticket, method="cash", amount=Decimal("1.00"), user=front_desk, reason="x"
        )
    line.refresh_from_db()
    assert line.quantity == 1
    assert TicketAdjustment.objects.count() == 0
    assert tickets_signals.of("ticket_adjusted") == []


def test_closed_ticket_change_needs_a_reason(manager, tickets_signals):  # R16
    ticket = closed_ticket("100.00")
    line = ticket.lines.get()
    with pytest.raises(DomainError) as error:
        ticket_update_line(line=line, user=manager, quantity=2)
    assert error.value.field == "reason"
    with pytest.raises(DomainError) as error:
        ticket_remove_line(line=line, user=manager, reason=" ")
    assert error.value.field == "reason"
    assert TicketLine.objects.filter(pk=line.pk, quantity=1).exists()
    assert tickets_signals.of("ticket_adjusted") == []


def test_bad_adjustment_changes_nothing(manager, tickets_signals):  # R32
    ticket = closed_ticket("100.00")
    line = ticket.lines.get()
    with pytest.raises(DomainError) as error:
        ticket_update_line(line=line, user=manager, discount_percent=Decimal("150"), reason="oops")
    assert error.value.field == "discount_percent"
    assert TicketAdjustment.objects.count() == 0
    assert tickets_signals.of("ticket_adjusted") == []


def test_unchanged_adjustment_records_nothing(manager, tickets_signals):
    ticket = closed_ticket("100.00")
    ticket_update_line(line=ticket.lines.get(), user=manager, quantity=1, reason="no change")
    assert TicketAdjustment.objects.count() == 0
    assert tickets_signals.of("ticket_adjusted") == []


def test_voided_ticket_lines_cannot_change(manager):
    ticket = ticket_void(ticket=ticket_with_lines("10.00"), user=manager)
    line = ticket.lines.get()
    with pytest.raises(DomainError) as refused:
        ticket_update_line(line=line, user=manager, quantity=3, reason="x")
    assert refused.value.code == "ticket_voided"
    with pytest.raises(DomainError) as refused:
        ticket_remove_line(line=line, user=manager, reason="x")
    assert refused.value.code == "ticket_voided"


def test_settle_a_refund_after_a_downward_adjustment(manager):  # R16
    ticket = closed_ticket("100.00")
    ticket_update_line(
        line=ticket.lines.get(), user=manager, unit_price=Decimal("70.00"), reason="price"
    )
    refund = ticket_settle(
        ticket=ticket, method="card", amount=Decimal("-30.00"), user=manager, reason="refund"
    )
    assert (refund.method, refund.amount) == ("card", Decimal("-30.00"))
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("0.00")
    settlement = ticket.adjustments.get(kind=TicketAdjustment.Kind.SETTLEMENT)
    assert settlement.new_values["amount"] == "-30.00"
    assert settlement.reason == "refund"


def test_settle_an_extra_payment_in_parts(manager, tickets_signals):  # R16
    ticket = closed_ticket("100.00")
    ticket_update_line(line=ticket.lines.get(), user=manager, quantity=2, reason="2")
    ticket_settle(
        ticket=ticket, method="cash", amount=Decimal("40.00"), user=manager, reason="part"
    )
    ticket_settle(
        ticket=ticket, method="card", amount=Decimal("60.00"), user=manager, reason="rest"
    )
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("0.00")
    # Settling never changes points: only the adjustment was announced.
    assert tickets_signals.names() == ["ticket_closed", "ticket_adjusted"]


@pytest.mark.parametrize(
    ("method", "amount", "field"),
    [
        ("cash", Decimal("-30.01"), "amount"),  # beyond the refund owed
        ("cash", Decimal("5.00"), "amount"),  # wrong direction
        ("cash", Decimal("0"), "amount"),
        ("points", Decimal("-1.00"), "method"),
        ("cash", "lots", "amount"),
    ],
)
def test_bad_settlement_changes_nothing(manager, method, amount, field):  # R16, R32
    ticket = closed_ticket("100.00")
    ticket_update_line(
        line=ticket.lines.get(), user=manager, unit_price=Decimal("70.00"), reason="price"
    )
    with pytest.raises(DomainError) as error:
        ticket_settle(ticket=ticket, method=method, amount=amount, user=manager, reason="r")
    assert error.value.field == field
    assert Payment.objects.filter(ticket=ticket).count() == 1
    assert ticket.adjustments.filter(kind=TicketAdjustment.Kind.SETTLEMENT).count() == 0


def test_settle_needs_a_closed_ticket_with_a_balance(manager):  # R16
    with pytest.raises(DomainError) as refused:
        ticket_settle(
            ticket=closed_ticket("10.00"),
            method="cash",
            amount=Decimal("1.00"),
            user=manager,
            reason="r",
        )
    assert refused.value.code == "balance_settled"
    with pytest.raises(DomainError) as refused:
        ticket_settle(
            ticket=ticket_with_lines("10.00"),
            method="cash",
            amount=Decimal("1.00"),
            user=manager,
            reason="r",
        )
    assert refused.value.code == "ticket_not_closed"
    with pytest.raises(DomainError) as error:
        ticket_settle(
            ticket=closed_ticket("10.00"),
            method="cash",
            amount=Decimal("1"),
            user=manager,
            reason="",
        )
    assert error.value.field == "reason"
    assert TicketAdjustment.objects.count() == 0
