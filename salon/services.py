"""Writes of the salon app: the Client Connect subscription (R33) and the Idempotency-Key
records of the API (SPEC §11).

For keys, the HTTP side (reading the header, replaying, 409/422) is in
salon/api/idempotency.py; here are the moves of a key's life: claim, complete (or
release), purge.
"""

import weakref
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DataError, transaction
from django.utils import timezone

from salon.db import PreparedStatement
from salon.errors import (
    Conflict,
    FieldNotEditable,
    NotABoolean,
    PermissionRefused,
    PremiumNeedsBaseFeatures,
    SalonNameMissing,
    TextTooLong,
    UnknownFeature,
)
from salon.models import (
    BASE_FEATURES,
    EXCLUSIVE_FEATURES,
    Features,
    IdempotencyRecord,
    IdempotencyStatus,
    SalonSettings,
)
from salon.selectors import features_get, salon_settings_get

FEATURE_NAMES = BASE_FEATURES + EXCLUSIVE_FEATURES


@transaction.atomic
def features_update(*, user, changes: dict) -> Features:
    """Switch Client Connect features on or off (R33, Manager only).

    An exclusive may only be on when, after this change, all three base features are on
    (so one change may switch everything on together); switching a base feature off
    switches both exclusives off with it.
    """
    if user is None or not user.has_perm("salon.change_features"):
        raise PermissionRefused("Only a Manager may change the Client Connect features.")
    unknown = set(changes) - set(FEATURE_NAMES)
    if unknown:
        raise UnknownFeature(field=sorted(unknown)[0])
    features_get()  # the row exists before it is locked
    features = Features.objects.select_for_update().get(pk=1)
    for name, value in changes.items():
        if not isinstance(value, bool):
            raise NotABoolean(field=name)
        setattr(features, name, value)
    if not features.has_all_base_features:
        for name in EXCLUSIVE_FEATURES:
            if changes.get(name):
                raise PremiumNeedsBaseFeatures(field=name)
            setattr(features, name, False)
    features.full_clean()
    features.save()
    return features


SALON_SETTINGS_FIELDS = ("name", "address", "phone", "receipt_footer", "prices_include_tax")
SALON_TEXT_LIMITS = {"name": 200, "address": 500, "phone": 40, "receipt_footer": 500}


@transaction.atomic
def salon_settings_update(*, user, changes: dict) -> SalonSettings:
    """Change the salon's name, address, phone, receipt footer or tax pricing (R50, Manager).

    Switching `prices_include_tax` touches no line already on a ticket: a line keeps the
    pricing it was added under (R43)."""
    if user is None or not user.has_perm("salon.change_salonsettings"):
        raise PermissionRefused("Only a Manager may change the salon settings.")
    FieldNotEditable.refuse_others(changes, SALON_SETTINGS_FIELDS)
    salon_settings_get()  # the row exists before it is locked
    salon = SalonSettings.objects.select_for_update().get(pk=1)
    for name, value in changes.items():
        if name == "prices_include_tax":
            if not isinstance(value, bool):
                raise NotABoolean(field=name)
        else:
            value = (value or "").strip()
            if len(value) > SALON_TEXT_LIMITS[name]:
                raise TextTooLong.at_most(SALON_TEXT_LIMITS[name], field=name)
        setattr(salon, name, value)
    if not salon.name:
        raise SalonNameMissing()
    salon.full_clean()
    salon.save()
    return salon


def idempotency_retention() -> timedelta:
    """How long a used key is honoured (SPEC §11 asks for at least 24 hours)."""
    return timedelta(hours=settings.IDEMPOTENCY_KEY_RETENTION_HOURS)


def _holder_alive(record: IdempotencyRecord, connection) -> bool:
    """Whether the database session that claimed `record` still exists (PostgreSQL).

    A request dies with its session: a killed worker's socket closes and PostgreSQL ends
    the backend, a severed connection is the backend ended. Its work rolled back with it,
    so the claim is dead at once (R74). The session is named by pid and start time (a pid
    can be reused by a later session); the start time is only compared when visible (a
    role without pg_read_all_stats sees it for its own sessions only, which ours are)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE pid = %s "
            "AND (backend_start IS NULL OR backend_start = %s)",
            [record.holder_pid, record.holder_started_at],
        )
        return cursor.fetchone() is not None


def _is_stale(record: IdempotencyRecord, *, now: datetime, connection) -> bool:
    """A record past retention is forgotten. A claim belongs to a request that died (its
    effect was rolled back with it, see idempotency_key_complete) when its database session
    is gone (PostgreSQL: at once) or when it is older than the claim timeout (SQLite, which
    has no sessions to check; and a backstop for a request hung on a live session)."""
    if record.created_at <= now - idempotency_retention():
        return True
    if record.status != IdempotencyStatus.IN_PROGRESS:
        return False
    claim_timeout = timedelta(seconds=settings.IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS)
    if record.created_at <= now - claim_timeout:
        return True
    return (
        record.holder_pid is not None
        and connection.vendor == "postgresql"
        and not _holder_alive(record, connection)
    )


# The database session a claim names as its holder (R74), by raw connection: its pid and
# start time never change for the session's life, so its first claim reads them (and returns
# them) and the next ones send them as parameters. Reading the start time builds the
# activity snapshot of every backend (pg_stat_get_activity): a keyed POST's claim took
# 0.33-0.36 ms instead of 0.44-0.45 ms in process (docs/performance.md, P6, fourth pass).
_session_holders: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _known_holder(connection) -> tuple[int, datetime] | None:
    """This session's (pid, start time) if a claim read it already. Not behind a
    transaction-mode pooler (DB_PREPARED_STATEMENTS off, docs/deploy.md): there each
    transaction may run on another server session, so every claim names its own."""
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        return None
    return _session_holders.get(connection.connection)


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


def _claim_statement(connection, *, holder_known: bool) -> PreparedStatement:
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
_TAKEN_OVER = "idempotency_claim_taken_over"


def _complete_statement(connection, *, with_commit: bool) -> PreparedStatement:
    """The stored answer's UPDATE, by primary key and status (see idempotency_key_complete);
    prepared: its parameters are the row's id and three values, its plan the pk lookup.

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
            f"SELECT CASE WHEN count(*) = 1 THEN 1 ELSE ('{_TAKEN_OVER}' || count(*))::integer "
            "END FROM stored",
        )
    else:
        statement = PreparedStatement("salon_idempotency_complete", update)
    _statements[variant] = statement
    return statement


def _commits_next(connection) -> bool:
    """Whether Django commits the connection's transaction when the current atomic block
    ends: it is the outermost, entered from autocommit, with nothing marked to roll back
    (not so inside a test's transaction, nor inside a caller's own atomic block)."""
    return (
        connection.vendor == "postgresql"
        and connection.in_atomic_block
        and connection.commit_on_exit
        and len(connection.atomic_blocks) == 1
        and not connection.savepoint_ids
        and not connection.needs_rollback
    )


def idempotency_key_claim(
    *,
    user,
    method: str,
    path: str,
    key: str,
    fingerprint: str,
    now: datetime | None = None,
) -> tuple[IdempotencyRecord, bool]:
    """Claim `key` for this request, or return the record of the request that holds it.

    Returns (record, claimed). The claim is an INSERT committed on its own (outside the
    request's work), so a concurrent duplicate sees it at once and answers 409; a request
    whose INSERT finds the key taken (ON CONFLICT DO NOTHING) reads the holder's row.
    The hot path is a single INSERT; a replay is that INSERT and one SELECT. Plain SQL:
    building the INSERT with the ORM cost about as much as running it.
    """
    now = now or timezone.now()
    connection = transaction.get_connection()
    scope = dict(user=user, method=method, path=path, key=key)
    parameters = {
        "user": None if user is None else user.pk,
        "method": method,
        "path": path,
        "key": key,
        "fingerprint": fingerprint,
        "status": IdempotencyStatus.IN_PROGRESS.value,
        "created_at": connection.ops.adapt_datetimefield_value(now),
    }
    for _attempt in range(2):
        with connection.cursor() as cursor:
            # After the cursor: it opens the session _known_holder looks up.
            holder = _known_holder(connection)
            statement = _claim_statement(connection, holder_known=holder is not None)
            if holder is None:
                cursor.execute(statement.sql, parameters)
            else:
                statement.execute(
                    cursor, {**parameters, "holder_pid": holder[0], "holder_started_at": holder[1]}
                )
            row = cursor.fetchone()
        if row is not None:
            if len(row) == 3 and settings.DB_PREPARED_STATEMENTS:  # it read the holder
                _session_holders[connection.connection] = (row[1], row[2])
            record = IdempotencyRecord(pk=row[0], **scope, fingerprint=fingerprint, created_at=now)
            return record, True
        existing = IdempotencyRecord.objects.filter(**scope).first()
        if existing is None:
            continue  # released or purged between our INSERT and SELECT: claim again
        if not _is_stale(existing, now=now, connection=connection):
            return existing, False
        # Conditional on the row we read: if the first request completes meanwhile, its
        # UPDATE wins (status is no longer in_progress) and our retry replays it.
        IdempotencyRecord.objects.filter(
            pk=existing.pk, status=existing.status, created_at=existing.created_at
        ).delete()
    return IdempotencyRecord.objects.get(**scope), False


def idempotency_key_complete(
    *, record: IdempotencyRecord, response_status: int, response_body, commit: bool = False
) -> None:
    """Store the response of the claimed request. Call it inside the transaction of the
    request's work, so the effect and the stored response commit (or roll back) together.

    Raises Conflict when the claim was taken over meanwhile (the request outlived
    IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS and a retry ran): the caller's transaction must then
    roll back, so the work is still done exactly once. One UPDATE, prepared (as the claim).

    `commit`: the caller's atomic block ends right after this call, with nothing run in
    between (the API's keyed request, salon/api/idempotency.py). On PostgreSQL, when Django
    would then commit (the block is the outermost), the UPDATE and the COMMIT go as one
    query, one round trip fewer (P6, fifth pass); Django's own commit at the end of the
    block then finds no transaction and sends nothing, and runs the on_commit callbacks as
    always. A taken-over claim fails the statement, so the COMMIT is not run and the work
    rolls back with the Conflict. Elsewhere (SQLite, a test's or a caller's transaction)
    it is the plain UPDATE and Django commits as usual.
    """
    connection = transaction.get_connection()
    body_field = IdempotencyRecord._meta.get_field("response_body")
    with_commit = commit and _commits_next(connection)
    parameters = {
        "done": IdempotencyStatus.DONE.value,
        "response_status": response_status,
        "response_body": body_field.get_db_prep_save(response_body, connection),
        "id": record.pk,
        "in_progress": IdempotencyStatus.IN_PROGRESS.value,
    }
    updated = 1
    with connection.cursor() as cursor:
        statement = _complete_statement(connection, with_commit=with_commit)
        if with_commit:
            try:
                statement.execute(cursor, parameters, commit=True)
            except DataError as error:
                if _TAKEN_OVER not in str(error):
                    raise
                updated = 0
        else:
            statement.execute(cursor, parameters)
            updated = cursor.rowcount
    if updated != 1:
        raise Conflict(
            "This request took too long and was retried with the same Idempotency-Key; "
            "the retry's answer stands."
        )


def idempotency_key_release(*, record: IdempotencyRecord) -> None:
    """Forget a claim whose request failed (5xx or an exception), so a retry can run."""
    IdempotencyRecord.objects.filter(pk=record.pk, status=IdempotencyStatus.IN_PROGRESS).delete()


def idempotency_records_purge(*, now: datetime | None = None) -> int:
    """Delete records past retention (also ignored by idempotency_key_claim); returns how many."""
    now = now or timezone.now()
    deleted, _per_model = IdempotencyRecord.objects.filter(
        created_at__lte=now - idempotency_retention()
    ).delete()
    return deleted
