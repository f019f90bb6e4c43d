"""API fuzzing with schemathesis against the served schema (SPEC §11), in-process (WSGI).

Every operation of /api/schema/ is called with generated requests, as a Manager and as a
client-app user, with valid data (positive) and with data that breaks the schema
(negative). The promise: no 5xx, every status documented, every body and content type as
the schema says. Bounded by MAX_EXAMPLES per operation so the suite stays fast.
Figures of a run (operations, requests) are in docs/reliability.md.
"""

import contextlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from salon.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 5}


def fuzz(*, user, mode: GenerationMode) -> tuple[int, int, dict[str, str]]:
    """(operations, requests sent, first failure per operation)."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    failures: dict[str, str] = {}
    sent = operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=MAX_EXAMPLES[mode],
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            nonlocal sent
            # A fresh token each time: the fuzzer also calls logout, which ends a token.
            _, token = AuthToken.objects.create(user)
            sent += 1
            try:
                case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
            except (AssertionError, BaseExceptionGroup) as failure:
                failures.setdefault(case.operation.label, str(failure)[:2000])

        # Unsatisfiable: nothing to break in this operation's input (no parameters, no body).
        with contextlib.suppress(Unsatisfiable):
            call()
    return operations, sent, failures


@pytest.fixture
def test_connection_kept():
    """The WSGI app closes "old" database connections around each request; the test's own
    connection is inside the test transaction and would be closed (PostgreSQL). Django's
    test Client does the same."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("test_connection_kept")
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("role", ["manager", "client_user"])
def test_fuzzed_requests_get_no_5xx_and_answers_that_match_the_schema(
    role, mode, request, all_features
):
    operations, sent, failures = fuzz(user=request.getfixturevalue(role), mode=mode)
    print(f"{role} {mode.value}: {operations} operations, {sent} requests, 0 failures")
    assert operations >= 60
    assert sent >= operations
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
