"""Hot statements that PostgreSQL plans once per connection instead of on every run.

Planning a statement with many subqueries costs PostgreSQL more than running it (the
ticket's ledger state: 1.7 ms of planning against 0.4 ms of execution, docs/performance.md,
P3). A `PreparedStatement` is sent as `PREPARE` the first time a connection runs it and as
`EXECUTE` afterwards, through Django's cursor, so query counts and wrappers still see it.
Prepared statements live as long as the session and survive a rolled-back transaction; a
transaction-pooling proxy in front of PostgreSQL would break them (docs/deploy.md). SQLite
runs the statement as it is.
"""

import re
import weakref

from django.db import connections

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
        if cursor.db.vendor != "postgresql":
            cursor.execute(self.sql, params)
            return
        session = cursor.db.connection
        names = _prepared.setdefault(session, set())
        if self.name not in names:
            cursor.execute(f"PREPARE {self.name} AS {self.postgresql_sql}")
            names.add(self.name)
        cursor.execute(self.execute_sql, [params[name] for name in self.parameters])


def instance_from_row(model, row, *, using: str = "default"):
    """A model instance from a row of all its concrete columns in field order, converted as
    the ORM converts them (SQLite hands back naive datetimes, for one)."""
    connection = connections[using]
    fields = model._meta.concrete_fields
    values = list(row)
    for position, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        for convert in connection.ops.get_db_converters(column) + field.get_db_converters(
            connection
        ):
            values[position] = convert(values[position], column, connection)
    return model.from_db(using, [field.attname for field in fields], values)
