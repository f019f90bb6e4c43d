"""R23: concurrent redemptions of the same points on different tickets: exactly one wins."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from loyalty.adjustments import points_adjust
from loyalty.models import EntryKind, PointsEntry
from loyalty.redemption import points_redeem
from loyalty.rewards_box import client_points_balance
from loyalty.selectors import ledger_disagreements
from salon.errors import DomainError
from tests.accounts.factories import FrontDeskFactory, ManagerFactory
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tickets.lifecycle import ticket_open
from tickets.lines import ticket_add_line
from tickets.models import Ticket

THREADS = 3
ROUNDS = 20


def race_to_redeem(ticket_ids: list[int], *, points: int, user) -> list[str]:
    """Each thread redeems on its own ticket, all released at once by a barrier."""
    barrier = threading.Barrier(len(ticket_ids))
    outcomes: list[str] = []

    def redeem(ticket_id: int) -> None:
        try:
            ticket = Ticket.objects.get(pk=ticket_id)
            barrier.wait()
            points_redeem(ticket=ticket, points=points, user=user)
            outcomes.append("won")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem, args=(pk,)) for pk in ticket_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r23_concurrent_redemptions_exactly_one_wins_and_balance_never_below_zero():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    manager, front_desk = ManagerFactory(), FrontDeskFactory()
    item = ItemFactory(price=Decimal("100.00"))
    for _ in range(ROUNDS):
        customer = ClientFactory()
        points_adjust(client=customer, points=800, reason="test", user=manager)
        ticket_ids = []
        for _ in range(THREADS):
            ticket = ticket_open(client=customer)
            ticket_add_line(ticket=ticket, item=item)
            ticket_ids.append(ticket.pk)
        outcomes = race_to_redeem(ticket_ids, points=600, user=front_desk)
        assert outcomes == ["refused"] * (THREADS - 1) + ["won"]
        assert client_points_balance(client=customer).redeemable == 200
        assert PointsEntry.objects.filter(client=customer, kind=EntryKind.REDEEM).count() == 1
        assert ledger_disagreements() == []
