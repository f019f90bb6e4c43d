"""`manage.py ledger_check`: every balance total equals the sum of its entries (R18)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from loyalty.adjustments import points_adjust
from loyalty.models import PointsBalance
from tests.clients.factories import ClientFactory

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
