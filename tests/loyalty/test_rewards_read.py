"""The rewards box's read (loyalty/sql/rewards.py, loyalty/rewards_box.py; P1): the tier
standing comes with the box's row in one statement over the settings' window, answers as
the two parts read alone, and is right the moment a manager changes the window (R61); the
prepared read's pending sum is planned through (client, available_at) whatever PostgreSQL's
plan (R18)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import ItemKind
from loyalty.configuration import loyalty_settings_update
from loyalty.lots import local_date
from loyalty.models import ClientTier, PointsEntry, Tier
from loyalty.sql.rewards import (
    REWARDS,
    REWARDS_WITH_STANDING,
    rewards_row,
    rewards_with_standing_rows,
)
from loyalty.sql.standing import tier_standing_parameters, tier_standing_rows
from tests.loyalty.factories import closed_ticket

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
    steady = 1
    for window_days, spend in [(365, "140.00"), (30, "40.00"), (365, "140.00"), (5, "0.00")]:
        loyalty_settings_update(changes={"tier_window_days": window_days}, user=manager)
        first, first_queries = box(front_desk_api, customer)
        again, queries = box(front_desk_api, customer)
        assert (first, again) == (spend, spend)
        # Right at once; the read after a change may read the standing once more, over the
        # new window, and the next ones are back to one statement.
        assert first_queries in (steady, steady + 1)
        assert queries == steady


@pytest.mark.parametrize("tier_count", [0, 1, 3])
def test_r61_the_joined_read_answers_as_its_two_parts(customer, manager, tier_count):
    """One row per tier, cheapest first, each with the rewards row's figures; no tiers: the
    rewards row alone. The same figures as the rewards read and the standing read alone."""
    tiers = [
        Tier.objects.create(
            name=f"Tier {spend}", min_spend=Decimal(spend), keep_spend=Decimal(spend)
        )
        for spend in ["300.00", "100.00", "200.00"][:tier_count]
    ]
    if tiers:
        ClientTier.objects.create(client=customer, tier=tiers[0], held_since=NOW)
    closed_ticket(customer=customer, lines=[(ItemKind.SERVICE, Decimal("150.00"))], now=NOW)
    now, since = NOW + timedelta(hours=1), NOW - timedelta(days=30)
    row, standing = rewards_with_standing_rows(client_id=customer.pk, now=now, standing_since=since)
    assert row == rewards_row(client_id=customer.pk, now=now)
    assert standing == tier_standing_rows(client_id=customer.pk, since=since)
    assert [name for _, name, *_ in standing] == sorted(tier.name for tier in tiers)
    assert [spend for *_, spend in standing] == [15000] * tier_count
    assert [held for *_, held, _ in standing] == [tier.name == "Tier 300.00" for tier in
        sorted(tiers, key=lambda tier: tier.min_spend)]  # fmt: skip
    missing = rewards_with_standing_rows(client_id=customer.pk + 999, now=now, standing_since=since)
    assert missing == (None, [])


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
@pytest.mark.parametrize("statement", [REWARDS, REWARDS_WITH_STANDING], ids=lambda s: s.name)
def test_r18_the_generic_plan_sums_pending_points_by_client_and_date(customer, statement):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans")
    now = timezone.now()
    arguments = {"now": now, "client": customer.pk, "today": local_date(now)}
    arguments |= tier_standing_parameters(client_id=customer.pk, since=now - timedelta(days=9))
    with transaction.atomic(), connection.cursor() as cursor:
        # A test's tables are tiny: without seqscan off any plan would read them whole.
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"PREPARE test_rewards_plan AS {statement.postgresql_sql}")
        try:
            cursor.execute(
                f"EXPLAIN EXECUTE test_rewards_plan{statement.arguments}",
                [arguments[name] for name in statement.parameters],
            )
            plan = [row[0].strip() for row in cursor.fetchall()]
        finally:
            cursor.execute("DEALLOCATE test_rewards_plan")
    entries = [line for line in plan if "on loyalty_pointsentry" in line]
    assert len(entries) == 1
    assert entries[0].startswith("->  Index Scan using points_client_available on")
    condition = plan[plan.index(entries[0]) + 1]
    now_parameter = statement.parameters.index("now") + 1
    assert condition.startswith(
        f"Index Cond: ((client_id = c.id) AND (available_at > ${now_parameter}))"
    )
