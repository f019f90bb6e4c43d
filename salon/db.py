"""Hot statements that PostgreSQL plans once per connection instead of on every run.

Planning a statement with many subqueries can cost PostgreSQL more than running it (the
ticket's ledger state: 1.0-1.4 ms of planning against 0.16 ms of execution, docs/
performance.md, P3). Only statements whose generic plan is checked belong here: after five
runs PostgreSQL may switch to a generic plan, blind to the values (the rewards read's summed
a whale's whole history through an index that didn't hold its `now`, until that index went:
loyalty/sql/rewards.py). A `PreparedStatement` is sent as `PREPARE …; EXECUTE …` the first
time a session runs it and as `EXECUTE` afterwards, through Django's cursor, so query counts
and wrappers still see it; `fetch_together` sends several in one round trip.
Prepared statements live as long as the session and survive a rolled-back transaction; a
transaction-pooling proxy in front of PostgreSQL would break them: settings.
DB_PREPARED_STATEMENTS = False (docs/deploy.md) runs them as plain statements, as SQLite
always does.
"""

import functools
import re
import weakref

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

_PARAMETER = re.compile(r"%\((\w+)\)s")


class _Session:
    """What one PostgreSQL session (a psycopg connection) has prepared."""

    def __init__(self):
        # statement name -> the server-side name it was prepared under
        self.prepared: dict[str, str] = {}
        # statement name -> failed first runs: each retry prepares under a new name, since a
        # failed run may or may not have left its PREPARE behind (no "already exists")
        self.failures: dict[str, int] = {}


_sessions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class PreparedStatement:
    """A statement written with named parameters, `%(name)s`, run by `execute`."""

    def __init__(self, name: str, sql: str):
        self.name = name
        self.sql = sql
        self.parameters = list(dict.fromkeys(_PARAMETER.findall(sql)))
        self.postgresql_sql = _PARAMETER.sub(
            lambda match: f"${self.parameters.index(match.group(1)) + 1}", sql
        )
        self.arguments = f"({', '.join(['%s'] * len(self.parameters))})" if self.parameters else ""

    def execute(self, cursor, params: dict, *, commit: bool = False) -> None:
        """Run it on this Django cursor; read the rows (or rowcount) from the cursor as usual.

        The first run in a session sends `PREPARE …; EXECUTE …` as one query, so a query
        count is the same on the first run as on the next ones.

        `commit` (PostgreSQL only) sends the transaction's COMMIT in the same query, after
        the statement: the caller must know that the transaction commits next with nothing
        in between, and that Django's own commit will then find nothing to do (see
        salon.services.idempotency_key_complete). If the statement fails, the COMMIT is not
        run and the transaction is left to roll back.
        """
        then = "; COMMIT" if commit else ""
        if commit and cursor.db.vendor != "postgresql":
            raise ValueError("Only PostgreSQL runs a statement and its COMMIT as one query.")
        if not _prepares(cursor):
            cursor.execute(self.sql + then, params)
            return
        session = _sessions.setdefault(cursor.db.connection, _Session())
        sql, preparing = self._sent(session)
        try:
            cursor.execute(sql + then, [params[name] for name in self.parameters])
        except Exception:
            self._failed(session, preparing)
            raise
        if preparing:
            cursor.nextset()
            self._prepared(session)

    def _sent(self, session: _Session) -> tuple[str, bool]:
        """What to send this session with `self.parameters`' values: (SQL, whether it
        prepares the statement first)."""
        server_name = session.prepared.get(self.name)
        if server_name is not None:
            return f"EXECUTE {server_name}{self.arguments}", False
        server_name = self._server_name(session)
        return (
            f"PREPARE {server_name} AS {self.postgresql_sql}; "
            f"EXECUTE {server_name}{self.arguments}",
            True,
        )

    def _server_name(self, session: _Session) -> str:
        return f"{self.name}_{session.failures.get(self.name, 0)}"

    def _failed(self, session: _Session, preparing: bool) -> None:
        if preparing:
            session.failures[self.name] = session.failures.get(self.name, 0) + 1

    def _prepared(self, session: _Session) -> None:
        session.prepared[self.name] = self._server_name(session)


def _prepares(cursor) -> bool:
    return sends_together(cursor.db)


def sends_together(connection) -> bool:
    """Whether `fetch_together` sends its statements in one query on this connection."""
    return connection.vendor == "postgresql" and settings.DB_PREPARED_STATEMENTS


def fetch_together(cursor, runs: list[tuple[PreparedStatement, dict]]) -> list[list[tuple]]:
    """Each statement's rows, the statements sent to PostgreSQL in one query (one round trip,
    one query counted) when they are prepared; one after the other otherwise (SQLite, or
    DB_PREPARED_STATEMENTS off). A read that needs two statements pays one round trip: each
    cost the rewards box's read about 0.08 ms of Python and network beside 0.03 ms of
    execution (docs/performance.md, "P1, fifth pass")."""
    if not _prepares(cursor):
        rows = []
        for statement, params in runs:
            statement.execute(cursor, params)
            rows.append(cursor.fetchall())
        return rows
    session = _sessions.setdefault(cursor.db.connection, _Session())
    sent = [(statement, *statement._sent(session)) for statement, _ in runs]
    try:
        cursor.execute(
            "; ".join(sql for _, sql, _ in sent),
            [params[name] for statement, params in runs for name in statement.parameters],
        )
    except Exception:
        for statement, _, preparing in sent:
            statement._failed(session, preparing)
        raise
    rows = []
    for position, (statement, _, preparing) in enumerate(sent):
        if position:
            cursor.nextset()
        if preparing:  # the PREPARE's own (empty) result comes first
            cursor.nextset()
            statement._prepared(session)
        rows.append(cursor.fetchall())
    return rows


@functools.cache
def _row_converters(model, alias: str) -> list[tuple[int, list, object]]:
    """Per column of `model`: the converters the ORM applies on `alias`'s backend."""
    connection = connections[alias]
    converters = []
    for position, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((position, found, column))
    return converters


def instance_from_row(model, row, *, using: str = DEFAULT_DB_ALIAS):
    """A model instance from a row of all its concrete columns in field order, converted as
    the ORM converts them (SQLite hands back naive datetimes, for one)."""
    connection = connections[using]
    values = list(row)
    for position, converters, column in _row_converters(model, using):
        for convert in converters:
            values[position] = convert(values[position], column, connection)
    return model.from_db(using, [field.attname for field in model._meta.concrete_fields], values)
