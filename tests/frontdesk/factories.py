"""History for a client, written in bulk so query-count tests can use hundreds of rows."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from appointments.models import Appointment
from catalog.models import ItemKind
from loyalty.models import EntryKind, PointsBalance, PointsEntry
from messaging.models import Direction, Message, MessageStatus
from tests.catalog.factories import ItemFactory
from tickets.models import Payment, Ticket, TicketLine, TicketStatus


def history(customer, rows: int, *, now=None) -> None:
    """`rows` tickets (closed, one line and one payment each), appointments, points entries
    and text messages for `customer`, one of each per hour going back from `now`."""
    now = now or timezone.now()
    item = ItemFactory(kind=ItemKind.SERVICE, price=Decimal("40.00"))
    hours_back = range(1, rows + 1)
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(client=customer, status=TicketStatus.CLOSED, closed_at=now - timedelta(hours=h))
            for h in hours_back
        ]
    )
    for hours, ticket in zip(hours_back, tickets, strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(created_at=now - timedelta(hours=hours))
    TicketLine.objects.bulk_create(
        [
            TicketLine(ticket=ticket, item=item, unit_price=item.price, net_amount=item.price)
            for ticket in tickets
        ]
    )
    Payment.objects.bulk_create(
        [Payment(ticket=ticket, method="card", amount=item.price) for ticket in tickets]
    )
    Appointment.objects.bulk_create(
        [
            Appointment(client=customer, item=item, start=now - timedelta(hours=hours, minutes=10))
            for hours in range(1, rows + 1)
        ]
    )
    PointsEntry.objects.bulk_create(
        [
            PointsEntry(
                client=customer,
                points=80,
                kind=EntryKind.EARN,
                action="service_purchase",
                created_at=now - timedelta(hours=hours, minutes=20),
                available_at=now - timedelta(hours=hours, minutes=20) + timedelta(hours=24),
                idempotency_key=f"history:{customer.pk}:{hours}",
            )
            for hours in range(1, rows + 1)
        ]
    )
    # The balance row moves with its entries, as loyalty's services keep it (R18).
    balance, _ = PointsBalance.objects.get_or_create(client=customer)
    PointsBalance.objects.filter(pk=balance.pk).update(total=balance.total + 80 * rows)
    messages = Message.objects.bulk_create(
        [
            Message(
                client=customer,
                direction=Direction.OUTBOUND,
                to_number=str(customer.phone),
                body=f"Reminder {hours}",
                status=MessageStatus.SENT,
            )
            for hours in range(1, rows + 1)
        ]
    )
    for hours, message in enumerate(messages, start=1):
        Message.objects.filter(pk=message.pk).update(
            created_at=now - timedelta(hours=hours, minutes=30)
        )
