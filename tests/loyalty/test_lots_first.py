"""R52 (P8): a debit reads only the first lots it draws from (ledger.lots_first, SQL), and
draws exactly what the rule (lots.redemption_draw_order, then lots.draw) draws from all of
the client's live lots: dates tied, never-expiring, past their date, still pending."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty import ledger
from loyalty import lots as lot_rules
from loyalty.models import EntryKind, PointsEntry
from tests.accounts.factories import ManagerFactory
from tests.clients.factories import ClientFactory

pytestmark = pytest.mark.django_db

SALON = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 3, 15, 0, tzinfo=SALON)
TODAY = date(2026, 3, 3)

# (points, expires_on, posted, available): few distinct values, so that ties are common
lots_strategy = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=40),
        st.sampled_from(
            [None, TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=5), date(9999, 12, 31)]
        ),
        st.sampled_from([NOW - timedelta(days=9), NOW - timedelta(days=2), NOW]),
        st.booleans(),
    ),
    max_size=12,
)


class Rollback(Exception):
    pass


def lots_give(customer, lots, manager):
    entries = []
    for number, (points, expires_on, posted, available) in enumerate(lots):
        entry = PointsEntry(
            client=customer,
            points=points,
            kind=EntryKind.MANUAL,
            created_at=posted,
            available_at=posted if available else NOW + timedelta(hours=3),
            created_by=manager,
            memo="test lot",
            idempotency_key=f"test-lot:{customer.pk}:{number}",
            expires_on=expires_on,
        )
        entry.expiry_fixed = True
        entries.append(entry)
    ledger.balances_lock([customer.pk])
    ledger.entries_post(entries)


def debit(customer, points, drawn):
    entry = PointsEntry(client=customer, points=-points, kind=EntryKind.REDEEM)
    ledger.debit_plan(entry, now=NOW, drawn=drawn)
    return entry.draws, entry.debt


def by_the_rule(customer, points, drawn):
    """What the rule draws from every live lot of the client."""
    lots = ledger.lots_less(ledger.lots_live(customer.pk), drawn)
    return lot_rules.draw(points, lot_rules.redemption_draw_order(lots, now=NOW, today=TODAY))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lots=lots_strategy, first=st.integers(1, 150), second=st.integers(1, 150))
def test_r52_a_debit_draws_from_the_first_lots_as_the_rule_draws_from_all(lots, first, second):
    """Two debits of one write (the second meets what the first drew, as a take-back's parts
    do) against the rule applied to all live lots."""
    try:
        with transaction.atomic():
            manager, customer = ManagerFactory(), ClientFactory()
            lots_give(customer, lots, manager)
            drawn = defaultdict(int)
            for points in (first, second):
                expected = by_the_rule(customer, points, drawn)
                assert debit(customer, points, drawn) == expected
            raise Rollback
    except Rollback:
        pass


def test_p8_a_debit_reads_only_the_lots_it_draws_from(customer, manager):
    lots_give(
        customer,
        [(10, TODAY + timedelta(days=day), NOW - timedelta(days=1), True) for day in range(50)],
        manager,
    )
    assert [lot.remaining for lot in ledger.lots_first(customer.pk, points=25, now=NOW)] == [
        10,
        10,
        10,
    ]
    draws, debt = debit(customer, 25, defaultdict(int))
    assert [points for _, points in draws] == [10, 10, 5]
    assert debt == 0
    # More than all of them hold: every lot drawn, and the rest is a debt.
    draws, debt = debit(customer, 520, defaultdict(int))
    assert (len(draws), debt) == (50, 20)
