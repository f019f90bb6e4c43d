"""The salon app's hand-written SQL (STYLE rule 15): the Idempotency-Key's claim, its stored
answer and the check that a claim's database session is alive (R74, P6). Table and column
names come from IdempotencyRecord's _meta; the rules around them are salon/services.py's."""

from salon.db import PreparedStatement
from salon.models import IdempotencyRecord


def holder_alive(*, pid: int, started_at, connection) -> bool:
    """Whether the database session (pid, start time) that claimed a key still exists
    (PostgreSQL).

    A request dies with its session: a killed worker's socket closes and PostgreSQL ends
    the backend, a severed connection is the backend ended. Its work rolled back with it,
    so the claim is dead at once (R74). The session is named by pid and start time (a pid
    can be reused by a later session); the start time is only compared when visible (a
    role without pg_read_all_stats sees it for its own sessions only, which ours are)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE pid = %s "
            "AND (backend_start IS NULL OR backend_start = %s)",
            [pid, started_at],
        )
        return cursor.fetchone() is not None


_CLAIM_COLUMNS = (
    "user",
    "method",
    "path",
    "key",
    "fingerprint",
    "status",
    "created_at",
    "holder_pid",
    "holder_started_at",
)

# The claim's and the stored answer's statements, built once per (vendor, variant): building
# the claim's SQL on every request cost 8 µs, and a statement planned once per session
# (salon/db.py) saves PostgreSQL parsing and planning it again (P6, fifth pass).
_statements: dict[tuple, PreparedStatement] = {}


def claim_statement(connection, *, holder_known: bool) -> PreparedStatement:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: one statement, and no error (nor the
    savepoint an error would need) when the key is already taken. Named parameters, one per
    column of _CLAIM_COLUMNS (the holder's two only when `holder_known`).

    Outside a transaction (a request's claim) the statement is its own transaction. On
    PostgreSQL it then also switches synchronous_commit off for that transaction alone
    (set_config(..., true) in the statement itself, so no extra round trip): the claim's
    COMMIT doesn't wait for its WAL flush (~2 ms). The claim is visible to other requests at
    once all the same, and the request's own work commits (synchronously) after it, which
    flushes the claim's WAL with it. A crash can only lose a claim whose work never
    committed, and then a retry claims the key again.

    Run prepared (salon/db.py) when the holder is known: its parameters are the key's
    scope, a fingerprint, a status, a time and the holder, and its plan is a one-row insert
    whatever they are. The first claim of a session, which reads the holder, runs planned.
    """
    own_transaction = connection.vendor == "postgresql" and connection.get_autocommit()
    variant = ("claim", connection.vendor, holder_known, own_transaction)
    statement = _statements.get(variant)
    if statement is not None:
        return statement
    meta = IdempotencyRecord._meta
    quote = connection.ops.quote_name
    holder_columns = [
        quote(meta.get_field(name).column) for name in ("holder_pid", "holder_started_at")
    ]
    columns = ", ".join(quote(meta.get_field(name).column) for name in _CLAIM_COLUMNS)
    values = ", ".join(f"%({name})s" for name in _CLAIM_COLUMNS[:-2])
    returning = quote(meta.pk.column)
    if holder_known:
        values += ", %(holder_pid)s, %(holder_started_at)s"
    elif connection.vendor == "postgresql":
        # The holder: this session, checked by a retry that finds the claim (R74).
        values += (
            ", pg_backend_pid(), (SELECT backend_start FROM pg_stat_get_activity(pg_backend_pid()))"
        )
        returning += ", " + ", ".join(holder_columns)
    else:
        values += ", NULL, NULL"
    if own_transaction:
        values = f"SELECT {values} WHERE set_config('synchronous_commit', 'off', true) = 'off'"
    else:
        values = f"VALUES ({values})"
    statement = PreparedStatement(
        # One name per form: a statement prepared in one form is never run in another.
        "salon_idempotency_claim"
        + ("" if holder_known else "_reading_holder")
        + ("_own" if own_transaction else ""),
        f"INSERT INTO {quote(meta.db_table)} ({columns}) {values} "
        # No conflict target: a signed-in key and an anonymous one have a unique index each.
        f"ON CONFLICT DO NOTHING RETURNING {returning}",
    )
    _statements[variant] = statement
    return statement


# What the stored answer's statement that also commits raises when the claim is no longer
# ours: a text that is not a number, cast to one (SQL has no RAISE outside PL/pgSQL).
TAKEN_OVER = "idempotency_claim_taken_over"


def complete_statement(connection, *, with_commit: bool) -> PreparedStatement:
    """The stored answer's UPDATE, by primary key and status (salon.services.
    idempotency_key_complete); prepared: its parameters are the row's id and three values,
    its plan the pk lookup.

    `with_commit`: the form sent with the transaction's COMMIT. It must fail rather than
    match no row, so that the COMMIT after it is not run: the UPDATE in a CTE, and a cast
    that fails unless it updated one row (on a count only known when it runs, so the planner
    can't fold it)."""
    variant = ("complete", connection.vendor, with_commit)
    statement = _statements.get(variant)
    if statement is not None:
        return statement
    meta = IdempotencyRecord._meta
    quote = connection.ops.quote_name
    status_column = quote(meta.get_field("status").column)
    update = (
        f"UPDATE {quote(meta.db_table)} SET {status_column} = %(done)s, "
        f"{quote(meta.get_field('response_status').column)} = %(response_status)s, "
        f"{quote(meta.get_field('response_body').column)} = %(response_body)s "
        f"WHERE {quote(meta.pk.column)} = %(id)s AND {status_column} = %(in_progress)s"
    )
    if with_commit:
        statement = PreparedStatement(
            "salon_idempotency_complete_commit",
            f"WITH stored AS ({update} RETURNING 1) "
            f"SELECT CASE WHEN count(*) = 1 THEN 1 ELSE ('{TAKEN_OVER}' || count(*))::integer "
            "END FROM stored",
        )
    else:
        statement = PreparedStatement("salon_idempotency_complete", update)
    _statements[variant] = statement
    return statement
