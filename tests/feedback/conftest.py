import pytest

from tests.feedback.factories import TicketRowFactory


@pytest.fixture
def closed_ticket(customer):
    return TicketRowFactory(client=customer)
