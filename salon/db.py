"""Hot statements that PostgreSQL plans once per connection instead of on every run.

Planning a statement with many subqueries costs PostgreSQL more than running it (the
ticket's ledger state: 1.7 ms of planning against 0.4 ms of execution, docs/performance.md,
P3). A `PreparedStatement` is sent as `PREPARE` the first time a connection runs it and as
`EXECUTE` afterwards, through Django's cursor, so query counts and wrappers still see it.
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
# PostgreSQL sessions (psycopg connections) and the statements prepared in each.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class PreparedStatement:
    """A statement written with named parameters, `%(name)s`, run by `execute`."""

    def __init__(self, name: str, sql: str):
        self.name = name
        self.sql = sql
        self.parameters = list(dict.fromkeys(_PARAMETER.findall(sql)))
        self.postgresql_sql = _PARAMETER.sub(
            lambda match: f"${self.parameters.index(match.group(1)) + 1}", sql
        )
        self.execute_sql = f"EXECUTE {name}({', '.join(['%s'] * len(self.parameters))})"

    def execute(self, cursor, params: dict) -> None:
        """Run it on this Django cursor; read the rows from the cursor as usual."""
        if cursor.db.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
            cursor.execute(self.sql, params)
            return
        session = cursor.db.connection
        names = _prepared.setdefault(session, set())
        if self.name not in names:
            cursor.execute(f"PREPARE {self.name} AS {self.postgresql_sql}")
            names.add(self.name)
        cursor.execute(self.execute_sql, [params[name] for name in self.parameters])


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
