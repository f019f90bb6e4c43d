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

from salon import sql
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
        and not sql.holder_alive(
            pid=record.holder_pid, started_at=record.holder_started_at, connection=connection
        )
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
            statement = sql.claim_statement(connection, holder_known=holder is not None)
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
        statement = sql.complete_statement(connection, with_commit=with_commit)
        if with_commit:
            try:
                statement.execute(cursor, parameters, commit=True)
            except DataError as error:
                if sql.TAKEN_OVER not in str(error):
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
