"""One feedback per ticket even when two requests race (R37; PostgreSQL only)."""

import threading

import pytest
from django.db import connection

from feedback.models import Feedback
from feedback.services import feedback_record
from salon.errors import DomainError
from tests.feedback.factories import TicketRowFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")


def test_two_concurrent_feedbacks_for_one_ticket_one_wins():
    ticket = TicketRowFactory()
    barrier = threading.Barrier(2)
    outcomes: list = []

    def record(rating):
        try:
            barrier.wait()
            outcomes.append(feedback_record(client=ticket.client, ticket=ticket, rating=rating))
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(rating,)) for rating in (2, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(errors) == 1
    assert isinstance(errors[0], DomainError)
    assert Feedback.objects.filter(ticket=ticket).count() == 1
