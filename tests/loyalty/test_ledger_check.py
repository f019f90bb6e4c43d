"""`manage.py ledger_check`: every balance total equals the sum of its entries (R18), and
every stored qualifying spend its tickets' lines (R61)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.models import ItemKind
from loyalty.adjustments import points_adjust
from loyalty.models import PointsBalance
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import closed_ticket
from tickets.models import DailySpend

pytestmark = pytest.mark.django_db


def test_ledger_check_passes_on_a_consistent_ledger(manager, capsys):
    points_adjust(client=ClientFactory(), points=300, reason="x", user=manager)
    call_command("ledger_check")
    assert "Every points balance equals" in capsys.readouterr().out


def test_ledger_check_names_each_client_skewed_by_raw_sql(manager, capsys):
    good, skewed, missing_row = ClientFactory(), ClientFactory(), ClientFactory()
    for client in (good, skewed, missing_row):
        points_adjust(client=client, points=300, reason="x", user=manager)
    table = PointsBalance._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET total = total + 7 WHERE client_id = %s", [skewed.pk])
        cursor.execute(f"DELETE FROM {table} WHERE client_id = %s", [missing_row.pk])
    with pytest.raises(CommandError, match="3 disagreement"):
        call_command("ledger_check")
    errors = capsys.readouterr().err
    assert f"Client #{skewed.pk}: balance total 307 but entries sum to 300." in errors
    assert f"Client #{missing_row.pk}: balance total 0 but entries sum to 300." in errors
    assert f"Client #{skewed.pk}: balance total 307 but lots hold 300 in all." in errors
    assert f"Client #{good.pk}:" not in errors


def test_ledger_check_names_each_client_day_whose_stored_spend_is_skewed(capsys):  # R61
    """The stored qualifying spend (issue 18) is checked against the lines it sums: a row
    skewed by raw SQL and a row missing are each named, with both figures."""
    moment = datetime(2026, 3, 5, 15, tzinfo=UTC)
    good, skewed, missing_row = ClientFactory(), ClientFactory(), ClientFactory()
    for client in (good, skewed, missing_row):
        closed_ticket(customer=client, lines=[(ItemKind.SERVICE, Decimal("80.00"))], now=moment)
    table = DailySpend._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET amount = amount + 7 WHERE client_id = %s", [skewed.pk])
        cursor.execute(f"DELETE FROM {table} WHERE client_id = %s", [missing_row.pk])
    with pytest.raises(CommandError, match="2 disagreement"):
        call_command("ledger_check")
    errors = capsys.readouterr().err
    assert (
        f"Client #{skewed.pk}: qualifying spend of 2026-03-05 (UTC) stored as 87.00 but "
        "their tickets' lines sum to 80.00." in errors
    )
    assert f"Client #{missing_row.pk}: qualifying spend of 2026-03-05 (UTC) stored as 0" in errors
    assert f"Client #{good.pk}:" not in errors
