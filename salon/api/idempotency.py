"""Idempotency-Key for POSTs that move money or points (SPEC §11), as payment APIs do it.

Adopt it with one line: put `IdempotentMixin` first among the bases of an APIView or
ViewSet. Every POST handler of the view (`create`, `post`, and `@action`s) then honours
the header:

    class TicketViewSet(IdempotentMixin, viewsets.ModelViewSet): ...

Scope: (user, method + path, key). The first request claims the key (its own committed
INSERT), runs the view and stores the status and body in the same transaction as its work;
5xx answers and exceptions roll the work back and forget the claim, so a retry runs.
The same key again with the same body → the stored response, replayed (header
`Idempotent-Replayed: true`); with another body → 422; while the first still runs → 409.
Requests without the header, and anonymous ones (there is no user to scope the key to),
behave as if the mixin were not there.
"""

import hashlib
import json
from functools import partial

from django.db import transaction
from django.http import HttpResponse
from django.utils.crypto import salted_hmac
from django.utils.datastructures import MultiValueDict
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from salon.errors import DomainError
from salon.models import IdempotencyStatus
from salon.services import (
    idempotency_key_claim,
    idempotency_key_complete,
    idempotency_key_release,
)
from salon.users import acting_user

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
FINGERPRINT_SALT = "salon.api.idempotency.request_fingerprint"


class InvalidIdempotencyKey(DomainError):
    """The Idempotency-Key header is empty, blank or too long."""

    code = "invalid_idempotency_key"
    message = f"The {HEADER} header must be 1 to {KEY_MAX_LENGTH} characters."


def _canonical(value):
    """The body as plain JSON types, independent of key order and of multipart boundaries."""
    if isinstance(value, MultiValueDict):
        return {name: [_canonical(item) for item in items] for name, items in value.lists()}
    if isinstance(value, dict):
        return {str(name): _canonical(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if hasattr(value, "chunks"):  # an uploaded file: its name and content
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "sha256": digest.hexdigest()}
    return value


def request_fingerprint(data) -> str:
    """HMAC-SHA256 (keyed with SECRET_KEY) of the canonical request body: a body may hold a
    password (sign-up), and a plain hash stored beside the response's other fields could be
    tried against a list of passwords by whoever reads the table."""
    canonical = json.dumps(_canonical(data), sort_keys=True, separators=(",", ":"), cls=JSONEncoder)
    return salted_hmac(FINGERPRINT_SALT, canonical, algorithm="sha256").hexdigest()


class _Refused(Exception):
    """Carries a refusal out of a transaction that can only roll back, to store it after."""

    def __init__(self, response):
        super().__init__()
        self.response = response


class _NotKept(Exception):
    """Carries a 5xx response out of the transaction so that the work rolls back."""

    def __init__(self, response):
        super().__init__()
        self.response = response


class IdempotentMixin:
    """Honour the Idempotency-Key header on the view's POST handlers (SPEC §11)."""

    idempotent_methods = ("POST",)

    def initial(self, request, *args, **kwargs):
        # After authentication, permissions and throttling: a refused request never
        # claims a key. The handler is wrapped here because only now is the user known.
        super().initial(request, *args, **kwargs)
        if request.method in self.idempotent_methods and HEADER in request.headers:
            name = request.method.lower()
            handler = getattr(self, name, None)
            if handler is not None:
                setattr(self, name, partial(self._idempotent_call, handler))

    def _idempotent_call(self, handler, request, *args, **kwargs):
        key = request.headers[HEADER].strip()
        if not key or len(key) > KEY_MAX_LENGTH:
            raise InvalidIdempotencyKey()
        fingerprint = request_fingerprint(request.data)
        record, claimed = idempotency_key_claim(
            # Anonymous calls (sign-up and its verification, R74) share one scope: a replay
            # needs the same key and the same body, so it shows nothing to anyone else.
            user=acting_user(request),
            method=request.method,
            path=request.path,
            key=key,
            fingerprint=fingerprint,
        )
        if not claimed:
            return self._answer_for_used_key(record, fingerprint)
        try:
            with transaction.atomic():
                try:
                    response = handler(request, *args, **kwargs)
                except Exception as exc:
                    # Turned into its 4xx answer here, inside the transaction, so that a
                    # refusal is stored and replayed like any other answer.
                    response = self.handle_exception(exc)
                    if transaction.get_rollback() and response.status_code < 500:
                        # The refused work had no savepoint of its own (a service entered
                        # with savepoint=False): only the whole transaction can undo it.
                        raise _Refused(response) from exc
                if response.status_code >= 500:
                    raise _NotKept(response)
                replayable = isinstance(response, Response)
                if replayable:
                    # The last statement of the block: on PostgreSQL it carries the COMMIT.
                    self._store(record, response, commit=True)
        except _Refused as refused:
            # The work rolled back with the transaction; the refusal is stored on its own.
            return self._store(record, refused.response)
        except _NotKept as not_kept:
            idempotency_key_release(record=record)
            return not_kept.response
        except BaseException:
            idempotency_key_release(record=record)
            raise
        if not replayable:
            # A plain HttpResponse (a file, a redirect) has no data to store and replay.
            idempotency_key_release(record=record)
        return response

    @staticmethod
    def _store(record, response, *, commit=False):
        idempotency_key_complete(
            record=record,
            response_status=response.status_code,
            # The rendered text, kept as a JSON string: PostgreSQL's jsonb would reorder an
            # object's keys, and a replay is byte for byte the first answer (R74).
            response_body=JSONRenderer().render(response.data).decode(),
            commit=commit,
        )
        return response

    def _answer_for_used_key(self, record, fingerprint):
        if record.fingerprint != fingerprint:
            return Response(
                {
                    "detail": f"This {HEADER} was already used with a different request body; "
                    "use a new key for a new request.",
                    "code": "idempotency_key_reused",
                },
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        if record.status == IdempotencyStatus.IN_PROGRESS:
            return Response(
                {
                    "detail": f"A request with this {HEADER} is still being processed; "
                    "retry in a moment.",
                    "code": "idempotency_key_in_progress",
                },
                status=status.HTTP_409_CONFLICT,
            )
        return HttpResponse(
            record.response_body,
            status=record.response_status,
            content_type="application/json",
            headers={REPLAYED_HEADER: "true"},
        )
