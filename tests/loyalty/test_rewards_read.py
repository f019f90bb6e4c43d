"""The rewards box's read (loyalty/sql/rewards.py, loyalty/rewards_box.py; P1): the tier
standing comes with the box's row in one round trip over the settings' window, and is right
the moment a manager changes the window (R61); the prepared read's pending sum is planned
through (client, available_at) whatever PostgreSQL's plan (R18)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import ItemKind
from loyalty.configuration import loyalty_settings_update
from loyalty.lots import local_date
from loyalty.models import PointsEntry, Tier
from loyalty.sql.rewards import REWARDS
from tests.loyalty.factories import closed_ticket
from tests.performance.test_hot_paths import REWARDS_WITH_TIERS_QUERIES

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 17, 0, tzinfo=UTC)


def box(front_desk_api, customer) -> tuple[str, int]:
    """(qualifying spend, queries) of one GET of the client's rewards box."""
    with CaptureQueriesContext(connection) as captured:
        response = front_desk_api.get(f"/api/v1/clients/{customer.pk}/rewards/")
    assert response.status_code == 200
    return response.json()["qualifying_spend"], len(captured)


def test_r61_the_box_reads_the_tier_part_over_the_window_a_manager_just_set(
    customer, manager, front_desk_api, time_machine
):
    Tier.objects.create(name="Gold", min_spend=Decimal("50.00"), keep_spend=Decimal("25.00"))
    for days_ago, price in [(200, "100.00"), (10, "40.00")]:
        time_machine.move_to(NOW - timedelta(days=days_ago), tick=False)
        closed_ticket(customer=customer, lines=[(ItemKind.SERVICE, Decimal(price))])
    time_machine.move_to(NOW, tick=False)
    steady = REWARDS_WITH_TIERS_QUERIES[connection.vendor]
    for window_days, spend in [(365, "140.00"), (30, "40.00"), (365, "140.00"), (5, "0.00")]:
        loyalty_settings_update(changes={"tier_window_days": window_days}, user=manager)
        first, first_queries = box(front_desk_api, customer)
        again, queries = box(front_desk_api, customer)
        assert (first, again) == (spend, spend)
        # Right at once; the read after a change may read the standing once more, over the
        # new window, and the next ones are back to one round trip.
        assert first_queries in (steady, steady + 1)
        assert queries == steady


def test_r18_points_entries_have_no_index_led_by_the_client_alone():
    """A plain client index made the prepared rewards read's generic plan sum a whale's
    whole history through it (10-30 ms a read, docs/performance.md): (client, available_at)
    serves every read of a client's entries."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, PointsEntry._meta.db_table)
    led_by_client = sorted(
        name
        for name, constraint in constraints.items()
        if constraint["index"] and constraint["columns"][:1] == ["client_id"]
    )
    assert led_by_client == ["points_client_available"]


@pytest.mark.postgres
def test_r18_the_generic_plan_sums_pending_points_by_client_and_date(customer):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans")
    now = timezone.now()
    arguments = {"now": now, "client": customer.pk, "today": local_date(now)}
    with transaction.atomic(), connection.cursor() as cursor:
        # A test's tables are tiny: without seqscan off any plan would read them whole.
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"PREPARE test_rewards_plan AS {REWARDS.postgresql_sql}")
        try:
            cursor.execute(
                f"EXPLAIN EXECUTE test_rewards_plan{REWARDS.arguments}",
                [arguments[name] for name in REWARDS.parameters],
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE test_rewards_plan")
    pending = plan[plan.index("SubPlan 1") :]
    assert "Index Scan using points_client_available on loyalty_pointsentry" in pending
    now_parameter = REWARDS.parameters.index("now") + 1
    assert f"(client_id = c.id) AND (available_at > ${now_parameter})" in pending
