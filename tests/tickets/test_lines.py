"""Ticket lines on open tickets: prices, discounts, package redemptions, bad input (R9, R29-R32)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.models import ItemKind
from salon.errors import DomainError
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tickets import selectors
from tickets.lifecycle import ticket_open, ticket_void
from tickets.lines import line_net_amount, ticket_add_line, ticket_remove_line, ticket_update_line
from tickets.models import Ticket, TicketLine, TicketStatus
from tickets.payments import payment_add

from .factories import (
    appointment_for,
    closed_ticket,
    product_item,
    reservation_for,
    service_item,
    ticket_with_lines,
)

pytestmark = pytest.mark.django_db


def test_open_ticket_for_client_and_walk_in(manager):  # R30
    customer = ClientFactory()
    ticket = ticket_open(client=customer, user=manager)
    assert ticket.status == TicketStatus.OPEN
    assert ticket.client == customer
    assert ticket.created_by == manager
    walk_in = ticket_open()
    assert walk_in.client is None
    assert selectors.ticket_total(ticket=walk_in) == Decimal("0.00")


def test_open_refuses_a_merged_duplicate():  # R17
    survivor = ClientFactory()
    duplicate = ClientFactory(merged_into=survivor)
    with pytest.raises(DomainError) as error:
        ticket_open(client=duplicate)
    assert error.value.field == "client"
    assert error.value.code == "client_merged"  # one rule, one code (#12)
    assert Ticket.objects.count() == 0


def test_open_with_appointment_and_reservation_of_the_client():  # R30
    customer = ClientFactory()
    appointment = appointment_for(customer)
    reservation = reservation_for(customer)
    ticket = ticket_open(client=customer, appointment=appointment, reservation=reservation)
    assert (ticket.appointment, ticket.reservation) == (appointment, reservation)


def test_open_takes_the_client_of_the_appointment():
    appointment = appointment_for(ClientFactory())
    ticket = ticket_open(appointment=appointment)
    assert ticket.client == appointment.client


def test_open_refuses_appointment_or_reservation_of_another_client():
    customer, other = ClientFactory(), ClientFactory()
    with pytest.raises(DomainError) as error:
        ticket_open(client=customer, appointment=appointment_for(other))
    assert error.value.field == "appointment"
    with pytest.raises(DomainError) as error:
        ticket_open(client=customer, reservation=reservation_for(other))
    assert error.value.field == "reservation"
    assert Ticket.objects.count() == 0


def test_line_price_defaults_to_item_price_and_total_sums_lines():  # R30
    ticket = ticket_open(client=ClientFactory())
    line = ticket_add_line(ticket=ticket, item=service_item("100.00"))
    ticket_add_line(ticket=ticket, item=product_item("20.00"), quantity=3)
    assert line.unit_price == Decimal("100.00")
    assert line.net_amount == Decimal("100.00")
    assert selectors.ticket_total(ticket=ticket) == Decimal("160.00")
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("160.00")


def test_line_with_own_price_and_amount_discount_on_the_whole_line():  # R30, R8
    ticket = ticket_with_lines()
    line = ticket_add_line(
        ticket=ticket,
        item=product_item("20.00"),
        quantity=3,
        unit_price=Decimal("25.00"),
        discount_amount=Decimal("10.00"),
    )
    assert line.net_amount == Decimal("65.00")  # 3 x 25 - 10


@pytest.mark.parametrize(
    ("quantity", "price", "percent", "net"),
    [
        (1, "100.00", "15", "85.00"),
        (3, "9.99", "12.5", "26.22"),  # 29.97 x 0.875 = 26.22375 → 26.22
        (1, "0.10", "25", "0.08"),  # 0.075 rounds half up
        (2, "33.33", "100", "0.00"),
    ],
)
def test_percent_discount_rounds_half_up_to_cents(quantity, price, percent, net):  # R30
    ticket = ticket_with_lines()
    line = ticket_add_line(
        ticket=ticket,
        item=service_item(price),
        quantity=quantity,
        discount_percent=Decimal(percent),
    )
    assert line.net_amount == Decimal(net)


def test_package_redemption_forces_price_zero():  # R9
    ticket = ticket_with_lines()
    line = ticket_add_line(ticket=ticket, item=service_item("80.00"), package_redemption=True)
    assert (line.unit_price, line.net_amount, line.package_redemption) == (
        Decimal("0"),
        Decimal("0.00"),
        True,
    )


def test_package_redemption_only_for_services_and_only_at_zero():  # R9
    ticket = ticket_with_lines()
    with pytest.raises(DomainError) as error:
        ticket_add_line(ticket=ticket, item=product_item(), package_redemption=True)
    assert error.value.field == "package_redemption"
    with pytest.raises(DomainError) as error:
        ticket_add_line(
            ticket=ticket,
            item=service_item(),
            package_redemption=True,
            unit_price=Decimal("5.00"),
        )
    assert error.value.field == "unit_price"
    assert TicketLine.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -2}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"unit_price": Decimal("-1.00")}, "unit_price"),
        ({"unit_price": 1.5}, "unit_price"),
        ({"unit_price": "abc"}, "unit_price"),
        (
            {"discount_amount": Decimal("1.00"), "discount_percent": Decimal("10")},
            "discount_amount",
        ),
        ({"discount_amount": Decimal("100.01")}, "discount_amount"),
        ({"discount_amount": Decimal("-1.00")}, "discount_amount"),
        ({"discount_percent": Decimal("100.01")}, "discount_percent"),
        ({"discount_percent": Decimal("-5")}, "discount_percent"),
    ],
)
def test_bad_line_input_is_refused_and_changes_nothing(kwargs, field):  # R32
    ticket = ticket_with_lines()
    with pytest.raises(DomainError) as error:
        ticket_add_line(ticket=ticket, item=service_item("100.00"), **kwargs)
    assert error.value.field == field
    assert TicketLine.objects.count() == 0


def test_price_with_more_than_two_decimals_is_refused():  # R1, R32
    ticket = ticket_with_lines()
    with pytest.raises(ValidationError) as error:
        ticket_add_line(ticket=ticket, item=service_item(), unit_price=Decimal("1.005"))
    assert "unit_price" in error.value.message_dict
    assert TicketLine.objects.count() == 0


def test_inactive_or_unknown_item_is_refused():  # R32
    ticket = ticket_with_lines()
    with pytest.raises(DomainError) as error:
        ticket_add_line(ticket=ticket, item=ItemFactory(active=False))
    assert error.value.field == "item"
    unsaved = ItemFactory.build(kind=ItemKind.SERVICE)
    with pytest.raises(DomainError) as error:
        ticket_add_line(ticket=ticket, item=unsaved)
    assert error.value.field == "item"
    gone = service_item()
    gone_pk = gone.pk
    gone.delete()
    gone.pk = gone_pk
    with pytest.raises(DomainError) as refused:
        ticket_add_line(ticket=ticket, item=gone)
    assert refused.value.code == "unknown_item"
    assert TicketLine.objects.count() == 0


def test_no_new_line_on_closed_or_voided_ticket(front_desk):  # R32, R16
    ticket = closed_ticket("50.00")
    with pytest.raises(DomainError) as refused:
        ticket_add_line(ticket=ticket, item=service_item())
    assert refused.value.code == "ticket_not_open"
    voided = ticket_void(ticket=ticket_with_lines("10.00"), user=front_desk)
    with pytest.raises(DomainError) as refused:
        ticket_add_line(ticket=voided, item=service_item())
    assert refused.value.code == "ticket_voided"
    assert TicketLine.objects.filter(ticket__in=[ticket, voided]).count() == 2


def test_update_line_on_open_ticket(front_desk):  # R30
    ticket = ticket_with_lines("100.00")
    line = ticket.lines.get()
    line = ticket_update_line(
        line=line, user=front_desk, quantity=2, discount_percent=Decimal("10")
    )
    assert line.net_amount == Decimal("180.00")
    line = ticket_update_line(line=line, user=front_desk, discount_amount=Decimal("5"))
    assert (line.discount_amount, line.discount_percent) == (Decimal("5"), None)
    assert line.net_amount == Decimal("195.00")
    line = ticket_update_line(line=line, user=front_desk, discount_amount=Decimal("0"))
    assert (line.discount_amount, line.net_amount) == (None, Decimal("200.00"))
    line.refresh_from_db()
    assert line.net_amount == Decimal("200.00")
    assert ticket.adjustments.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"unit_price": Decimal("-3")}, "unit_price"),
        ({"discount_amount": Decimal("101")}, "discount_amount"),
        ({"discount_percent": Decimal("101")}, "discount_percent"),
        ({"discount_amount": Decimal("1"), "discount_percent": Decimal("1")}, "discount_amount"),
    ],
)
def test_bad_line_update_changes_nothing(front_desk, kwargs, field):  # R32
    ticket = ticket_with_lines("100.00")
    line = ticket.lines.get()
    with pytest.raises(DomainError) as error:
        ticket_update_line(line=line, user=front_desk, **kwargs)
    assert error.value.field == field
    line.refresh_from_db()
    assert (line.quantity, line.unit_price, line.net_amount) == (
        1,
        Decimal("100.00"),
        Decimal("100.00"),
    )


def test_package_redemption_line_price_stays_zero(front_desk):  # R9
    ticket = ticket_with_lines()
    line = ticket_add_line(ticket=ticket, item=service_item(), package_redemption=True)
    with pytest.raises(DomainError):
        ticket_update_line(line=line, user=front_desk, unit_price=Decimal("10"))
    line = ticket_update_line(line=line, user=front_desk, quantity=2)
    assert line.net_amount == Decimal("0.00")


def test_remove_line_on_open_ticket(front_desk):  # R30
    ticket = ticket_with_lines("100.00", "30.00")
    ticket_remove_line(line=ticket.lines.first(), user=front_desk)
    assert selectors.ticket_total(ticket=ticket) == Decimal("30.00")
    with pytest.raises(DomainError) as refused:
        ticket_remove_line(line=TicketLine(pk=999999, ticket=ticket), user=front_desk)
    assert refused.value.code == "line_already_removed"


def test_line_change_refused_when_total_would_fall_below_payments(front_desk):  # R21
    ticket = ticket_with_lines("100.00", "50.00")
    payment_add(ticket=ticket, method="cash", amount=Decimal("120.00"))
    first, second = ticket.lines.all()
    with pytest.raises(DomainError) as refused:
        ticket_update_line(line=first, user=front_desk, discount_amount=Decimal("40"))
    assert refused.value.code == "total_below_paid"
    with pytest.raises(DomainError) as refused:
        ticket_remove_line(line=first, user=front_desk)
    assert refused.value.code == "total_below_paid"
    ticket_update_line(line=second, user=front_desk, unit_price=Decimal("20.00"))
    assert selectors.ticket_total(ticket=ticket) == Decimal("120.00")
    first.refresh_from_db()
    assert first.net_amount == Decimal("100.00")


def test_line_change_refused_when_total_would_not_exceed_points_paid(front_desk):  # R21
    ticket = ticket_with_lines("100.00", "50.00")
    payment_add(ticket=ticket, method="points", amount=Decimal("60.00"), points=6000)
    first = ticket.lines.first()
    # 100 → 10 would leave a total of 60.00: equal to the points paid, so refused.
    with pytest.raises(DomainError) as refused:
        ticket_update_line(line=first, user=front_desk, unit_price=Decimal("10.00"))
    assert refused.value.code == "total_below_points_paid"
    with pytest.raises(DomainError) as refused:
        ticket_remove_line(line=first, user=front_desk)
    assert refused.value.code == "total_below_points_paid"
    ticket_update_line(line=first, user=front_desk, unit_price=Decimal("10.01"))
    assert selectors.ticket_total(ticket=ticket) == Decimal("60.01")


@settings(max_examples=60, deadline=None)
@given(
    quantity=st.integers(min_value=1, max_value=50),
    price=st.decimals(min_value=0, max_value=10000, places=2),
    percent=st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2)),
)
def test_line_net_is_never_negative_nor_above_the_line_amount(quantity, price, percent):  # R30
    net = line_net_amount(
        quantity=quantity, unit_price=price, discount_amount=None, discount_percent=percent
    )
    line_amount = quantity * price
    assert Decimal("0.00") <= net <= line_amount
    assert net == net.quantize(Decimal("0.01"))
    if percent is None:
        assert net == line_amount
