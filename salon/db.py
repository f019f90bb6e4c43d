"""Hot statements that PostgreSQL plans once per connection instead of on every run.

Planning a statement with many subqueries can cost PostgreSQL more than running it (the
ticket's ledger state: 1.0-1.4 ms of planning against 0.16 ms of execution, docs/
performance.md, P3). Only statements whose generic plan is checked belong here: sessions run
a prepared statement's generic plan from its first run (settings: plan_cache_mode), blind
to the values (the rewards read's once summed a whale's whole history through an index that
didn't hold its `now`, until that index went: loyalty/sql/rewards.py). A
`PreparedStatement` is sent as `PREPARE …; EXECUTE …` the first time a session runs it and
as `EXECUTE` afterwards, through Django's cursor, so query counts and wrappers still see it.
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
        if cursor.db.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
            cursor.execute(self.sql + then, params)
            return
        values = [params[name] for name in self.parameters]
        session = _sessions.setdefault(cursor.db.connection, _Session())
        server_name = session.prepared.get(self.name)
        if server_name is not None:
            cursor.execute(f"EXECUTE {server_name}{self.arguments}{then}", values)
            return
        server_name = f"{self.name}_{session.failures.get(self.name, 0)}"
        try:
            cursor.execute(
                f"PREPARE {server_name} AS {self.postgresql_sql}; "
                f"EXECUTE {server_name}{self.arguments}{then}",
                values,
            )
        except Exception:
            session.failures[self.name] = session.failures.get(self.name, 0) + 1
            raise
        cursor.nextset()
        session.prepared[self.name] = server_name


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
