"""R78: a merge races a close, a redemption and an adjustment of the duplicate, 20 rounds
each, on PostgreSQL: every call succeeds or refuses by rule (a DomainError), none fails on
the database (a deadlock, a lock timeout), and the ledger stays consistent with no points
left on the tombstone. Before the merge locked client rows FOR NO KEY UPDATE, in the
writers' order (tickets, then appointments, then balances), most rounds deadlocked."""

from decimal import Decimal

import pytest
from django.db import connection

from clients.merge import client_merge
from clients.models import Client
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.models import PointsBalance
from loyalty.redemption import points_redeem
from loyalty.selectors import ledger_disagreements
from salon.errors import DomainError
from tests.accounts.factories import FrontDeskFactory, ManagerFactory
from tests.clients.factories import ClientFactory
from tests.concurrency import run_together
from tests.loyalty.factories import rule_set
from tests.tickets.factories import appointment_for, paid_ticket, ticket_with_lines
from tickets.lifecycle import ticket_close
from tickets.models import TicketStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 20


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")


@pytest.fixture
def staff():
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    return ManagerFactory(), FrontDeskFactory()


def pair(manager):
    survivor, duplicate = ClientFactory(), ClientFactory(referred_by=ClientFactory())
    points_adjust(client=duplicate, points=1000, reason="welcome", user=manager)
    return survivor, duplicate


def merge(survivor, duplicate, manager):
    return lambda: client_merge(survivor=survivor, duplicate=duplicate, user=manager)


def assert_settled(outcomes, survivor, duplicate):
    refused_by_the_database = [
        outcome
        for outcome in outcomes
        if isinstance(outcome, Exception) and not isinstance(outcome, DomainError)
    ]
    assert refused_by_the_database == []
    assert not isinstance(outcomes[0], Exception)  # the merge always lands
    assert Client.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk
    assert PointsBalance.objects.filter(client=duplicate).exclude(total=0).count() == 0
    assert ledger_disagreements() == []


def test_r78_merge_races_the_close_of_the_duplicates_ticket(staff):
    manager, front_desk = staff
    for _ in range(ROUNDS):
        survivor, duplicate = pair(manager)
        ticket = paid_ticket("100.00", client=duplicate)
        ticket.appointment = appointment_for(duplicate)
        ticket.save(update_fields=["appointment"])
        outcomes = run_together(
            merge(survivor, duplicate, manager),
            lambda ticket=ticket: ticket_close(ticket=ticket, user=front_desk),
        )
        assert_settled(outcomes, survivor, duplicate)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.client_id) == (TicketStatus.CLOSED, survivor.pk)


def test_r78_merge_races_a_redemption_on_the_duplicates_ticket(staff):
    manager, front_desk = staff
    for _ in range(ROUNDS):
        survivor, duplicate = pair(manager)
        ticket = ticket_with_lines("100.00", client=duplicate)
        outcomes = run_together(
            merge(survivor, duplicate, manager),
            lambda ticket=ticket: points_redeem(ticket=ticket, points=500, user=front_desk),
        )
        assert_settled(outcomes, survivor, duplicate)
        assert not isinstance(outcomes[1], Exception)  # the points moved with the ticket


def test_r78_merge_races_an_adjustment_of_the_duplicate(staff):
    manager, _front_desk = staff
    for _ in range(ROUNDS):
        survivor, duplicate = pair(manager)
        outcomes = run_together(
            merge(survivor, duplicate, manager),
            lambda duplicate=duplicate: points_adjust(
                client=duplicate, points=-200, reason="correction", user=manager
            ),
        )
        assert_settled(outcomes, survivor, duplicate)
        expected = 800 if not isinstance(outcomes[1], Exception) else 1000
        assert PointsBalance.objects.get(client=survivor).total == expected
