from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from appointments.models import Appointment, ProductReservation
from catalog.models import ItemKind
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tickets.lifecycle import ticket_close, ticket_open
from tickets.lines import ticket_add_line
from tickets.models import Ticket
from tickets.payments import payment_add


class TicketFactory(factory.django.DjangoModelFactory):
    """An open ticket for a client; build lines and payments with the services."""

    class Meta:
        model = Ticket

    client = factory.SubFactory(ClientFactory)


def service_item(price: str = "100.00", **kwargs):
    return ItemFactory(kind=ItemKind.SERVICE, price=Decimal(price), **kwargs)


def product_item(price: str = "20.00", **kwargs):
    return ItemFactory(kind=ItemKind.PRODUCT, price=Decimal(price), **kwargs)


def ticket_with_lines(*prices: str, client=None, walk_in: bool = False) -> Ticket:
    """An open ticket with one service line per price, built through the services."""
    ticket = ticket_open() if walk_in else ticket_open(client=client or ClientFactory())
    for price in prices:
        ticket_add_line(ticket=ticket, item=service_item(price))
    return ticket


def paid_ticket(*prices: str, client=None, method: str = "cash") -> Ticket:
    """An open ticket whose payments equal its total, ready to close."""
    ticket = ticket_with_lines(*prices, client=client)
    payment_add(ticket=ticket, method=method, amount=sum(Decimal(p) for p in prices))
    return ticket


def closed_ticket(*prices: str, client=None) -> Ticket:
    return ticket_close(ticket=paid_ticket(*prices, client=client))


def appointment_for(client) -> Appointment:
    """A bare appointment row: tickets only point at it."""
    return Appointment.objects.create(
        client=client, item=service_item(), start=timezone.now() + timedelta(days=1)
    )


def reservation_for(client) -> ProductReservation:
    return ProductReservation.objects.create(client=client, item=product_item())
