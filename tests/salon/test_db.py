"""Prepared hot statements (salon/db.py, docs/performance.md P3): planned once per
PostgreSQL session, seen by query counts, and plain SQL on SQLite."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from salon.db import PreparedStatement, instance_from_row
from tests.clients.factories import ClientFactory
from tickets.lifecycle import ticket_open
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def run(statement: PreparedStatement, **params):
    with connection.cursor() as cursor:
        statement.execute(cursor, params)
        return cursor.fetchall()


def test_named_parameters_become_positional_once_each():
    statement = PreparedStatement("test_positions", "SELECT %(a)s + %(b)s + %(a)s")
    assert statement.parameters == ["a", "b"]
    assert statement.postgresql_sql == "SELECT $1 + $2 + $1"
    assert statement.arguments == "(%s, %s)"
    assert PreparedStatement("test_no_parameters", "SELECT 1").arguments == ""


def test_runs_with_its_parameters_and_is_prepared_once_per_session():
    """One query a run, the first included: query counts don't depend on the order tests or
    requests run in."""
    statement = PreparedStatement("test_prepared_once", "SELECT %(number)s * 2, %(text)s")
    with CaptureQueriesContext(connection) as captured:
        first = run(statement, number=21, text="x")
        second = run(statement, number=5, text="y")
    assert (first, second) == ([(42, "x")], [(10, "y")])
    sent = [query["sql"] for query in captured]
    if connection.vendor == "postgresql":
        assert sent[0].startswith("PREPARE test_prepared_once_0 AS SELECT $1 * 2, $2; EXECUTE")
        assert sent[1].startswith("EXECUTE test_prepared_once_0(")
    else:
        assert [query.split()[0] for query in sent] == ["SELECT", "SELECT"]
    assert run(PreparedStatement("test_without_parameters", "SELECT 7")) == [(7,)]


def test_a_prepared_statement_runs_its_generic_plan_from_the_first_run():
    """settings: plan_cache_mode=force_generic_plan on PostgreSQL sessions; left to choose,
    PostgreSQL kept planning the rewards box's statement on every run for some clients (P1)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan cache")
    statement = PreparedStatement("test_generic_first", "SELECT %(number)s + 1")
    assert run(statement, number=1) == [(2,)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE name = 'test_generic_first_0'"
        )
        assert cursor.fetchone() == (1, 0)


def test_a_failed_first_run_leaves_the_statement_usable():
    """A first run that fails (here a CHECK; a lock timeout in real life) may have left its
    PREPARE behind: the next run prepares under a new name, never "already exists"."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE test_positive (n integer CHECK (n > 0))")
    statement = PreparedStatement(
        "test_failed_first_run", "INSERT INTO test_positive VALUES (%(n)s) RETURNING n"
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        run(statement, n=0)
    with CaptureQueriesContext(connection) as captured:
        assert run(statement, n=2) == [(2,)]
        assert run(statement, n=5) == [(5,)]
    if connection.vendor == "postgresql":
        assert captured[0]["sql"].startswith("PREPARE test_failed_first_run_1 AS")
        assert captured[1]["sql"].startswith("EXECUTE test_failed_first_run_1(")


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


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prepared_statements", [True, False])
def test_with_commit_the_transaction_commits_in_the_same_query(settings, prepared_statements):
    """`commit=True` (the keyed request's stored answer, P6): the statement and the COMMIT
    go as one query, on its first run in a session and after; SQLite refuses it."""
    settings.DB_PREPARED_STATEMENTS = prepared_statements
    statement = PreparedStatement(f"test_with_commit_{prepared_statements}", "SELECT %(n)s + 1")
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor, pytest.raises(ValueError):
            statement.execute(cursor, {"n": 1}, commit=True)
        return
    from psycopg.pq import TransactionStatus

    connection.close()
    for number in (1, 2):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert connection.connection.info.transaction_status == TransactionStatus.INTRANS
            statement.execute(cursor, {"n": number}, commit=True)
            assert cursor.fetchone() == (number + 1,)
            assert connection.connection.info.transaction_status == TransactionStatus.IDLE
