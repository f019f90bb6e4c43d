import factory
from django.utils import timezone

from feedback.models import Feedback
from tests.clients.factories import ClientFactory
from tickets.models import Ticket, TicketStatus


class TicketRowFactory(factory.django.DjangoModelFactory):
    """A bare ticket row (no lines, no payments): enough for rules that read its status,
    client and day. Tests of money use the tickets app's own services."""

    class Meta:
        model = Ticket

    client = factory.SubFactory(ClientFactory)
    status = TicketStatus.CLOSED
    closed_at = factory.LazyAttribute(
        lambda ticket: timezone.now() if ticket.status == TicketStatus.CLOSED else None
    )


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    ticket = factory.SubFactory(TicketRowFactory)
    client = factory.SelfAttribute("ticket.client")
    rating = 5
