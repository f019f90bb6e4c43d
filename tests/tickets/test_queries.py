"""Closing a ticket costs the same number of queries whatever its size (SPEC §12)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tickets.lifecycle import ticket_close

from .factories import paid_ticket

pytestmark = pytest.mark.django_db


def test_close_uses_the_same_queries_for_1_and_20_lines(django_assert_num_queries):
    """Listeners of ticket_closed (loyalty) run inside the close and are counted too."""
    small, large = paid_ticket("10.00"), paid_ticket(*["10.00"] * 20)
    with CaptureQueriesContext(connection) as one_line:
        ticket_close(ticket=small)
    with django_assert_num_queries(len(one_line)):
        ticket_close(ticket=large)
