"""tickets moves its own rows when clients announce a merge (R17)."""

import pytest
from django.utils import timezone

from clients.merge import client_merge
from clients.signals import client_merged
from tests.clients.factories import ClientFactory
from tickets.models import Ticket

from .factories import closed_ticket, ticket_with_lines

pytestmark = pytest.mark.django_db


def test_merge_moves_the_duplicates_tickets_to_the_survivor():  # R17
    survivor, duplicate, bystander = ClientFactory(), ClientFactory(), ClientFactory()
    kept = ticket_with_lines("10.00", client=survivor)
    moved_open = ticket_with_lines("20.00", client=duplicate)
    moved_closed = closed_ticket("30.00", client=duplicate)
    other = ticket_with_lines("40.00", client=bystander)
    client_merged.send(
        sender=type(survivor), survivor=survivor, duplicate=duplicate, now=timezone.now(), user=None
    )
    assert set(Ticket.objects.filter(client=survivor)) == {kept, moved_open, moved_closed}
    assert not Ticket.objects.filter(client=duplicate).exists()
    assert Ticket.objects.get(pk=other.pk).client == bystander
    moved_closed.refresh_from_db()
    assert moved_closed.status == "closed"


def test_client_merge_service_moves_tickets(manager):  # R17, through the real merge
    survivor, duplicate = ClientFactory(), ClientFactory()
    ticket = closed_ticket("30.00", client=duplicate)
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    ticket.refresh_from_db()
    assert ticket.client == survivor
