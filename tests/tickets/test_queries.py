"""Closing a ticket costs the same number of queries whatever its size (SPEC §12)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tickets import services

from .factories import paid_ticket

pytestmark = pytest.mark.django_db


def test_close_uses_the_same_queries_for_1_and_20_lines():
    """Counted with every listener of the close signal (loyalty's points included), so
    the pin is "constant", not tickets' own count alone."""
    counts = []
    for line_count in (1, 20):
        ticket = paid_ticket(*["10.00"] * line_count)
        with CaptureQueriesContext(connection) as captured:
            services.ticket_close(ticket=ticket)
        counts.append(len(captured))
    assert counts[0] == counts[1]
