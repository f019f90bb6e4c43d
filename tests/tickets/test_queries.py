"""Closing a ticket costs the same number of queries whatever its size (SPEC §12)."""

import pytest

from tickets import services

from .factories import paid_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("line_count", [1, 20])
def test_close_uses_constant_queries(line_count, django_assert_num_queries):
    ticket = paid_ticket(*["10.00"] * line_count)
    # savepoint, lock, any line?, total, paid, constraint check (3 with its savepoint),
    # update, release: the same for 1 and 20 lines.
    with django_assert_num_queries(10):
        services.ticket_close(ticket=ticket)
