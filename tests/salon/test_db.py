"""Prepared hot statements (salon/db.py, docs/performance.md P3): planned once per
PostgreSQL session, seen by query counts, and plain SQL on SQLite."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from salon.db import PreparedStatement, instance_from_row
from tests.clients.factories import ClientFactory
from tickets.models import Ticket
from tickets.services import ticket_open

pytestmark = pytest.mark.django_db


def run(statement: PreparedStatement, **params):
    with connection.cursor() as cursor:
        statement.execute(cursor, params)
        return cursor.fetchall()


def test_named_parameters_become_positional_once_each():
    statement = PreparedStatement("test_positions", "SELECT %(a)s + %(b)s + %(a)s")
    assert statement.parameters == ["a", "b"]
    assert statement.postgresql_sql == "SELECT $1 + $2 + $1"
    assert statement.execute_sql == "EXECUTE test_positions(%s, %s)"


def test_runs_with_its_parameters_and_is_prepared_once_per_session():
    statement = PreparedStatement("test_prepared_once", "SELECT %(number)s * 2, %(text)s")
    with CaptureQueriesContext(connection) as captured:
        first = run(statement, number=21, text="x")
        second = run(statement, number=5, text="y")
    assert (first, second) == ([(42, "x")], [(10, "y")])
    sent = [query["sql"].split()[0] for query in captured]
    if connection.vendor == "postgresql":
        assert sent == ["PREPARE", "EXECUTE", "EXECUTE"]
    else:
        assert sent == ["SELECT", "SELECT"]


def test_a_rolled_back_transaction_keeps_the_prepared_statement():
    statement = PreparedStatement("test_survives_rollback", "SELECT %(number)s + 1")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert run(statement, number=1) == [(2,)]
        raise RuntimeError("roll back")
    assert run(statement, number=2) == [(3,)]


def test_instance_from_row_converts_as_the_orm_does():
    ticket = ticket_open(client=ClientFactory())
    columns = ", ".join(field.column for field in Ticket._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM tickets_ticket WHERE id = %s", [ticket.pk])
        built = instance_from_row(Ticket, cursor.fetchone())
    stored = Ticket.objects.get(pk=ticket.pk)
    assert built.created_at.tzinfo is not None
    assert [getattr(built, f.attname) for f in Ticket._meta.concrete_fields] == [
        getattr(stored, f.attname) for f in Ticket._meta.concrete_fields
    ]
    assert built._state.adding is False


def test_switched_off_it_runs_as_a_plain_statement(settings):
    """DB_PREPARED_STATEMENTS=false (PgBouncer in transaction mode, docs/deploy.md)."""
    settings.DB_PREPARED_STATEMENTS = False
    statement = PreparedStatement("test_switched_off", "SELECT %(number)s + 1")
    with CaptureQueriesContext(connection) as captured:
        assert run(statement, number=41) == [(42,)]
    assert [query["sql"].split()[0] for query in captured] == ["SELECT"]
