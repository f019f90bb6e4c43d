"""R72, #15: schemathesis' own runner (`st run`, as an app team would run it) against the
running app (live_server), with every phase — the schema's examples, coverage (boundary
and missing values per field), fuzzing, and stateful sequences that follow the schema's
links (create a ticket → add a line → pay → close) — as a Manager, as Front desk and as a
client-app user whose ledger has a redemption and an adjustment.

The promise: 0 server errors and 0 schema violations (status, content type, body). The run
is bounded so the suite stays usable: MAX_EXAMPLES per operation, a budget per phase and
role, and each role runs the operations its role may use (what every role is refused is
proved by tests/security/test_authorization.py). The database starts its ids at 1 and
holds one of each object, so the schema's ids (1 up to 18 digits) reach real rows. The
long run (`make fuzz`, all operations for every role) is in docs/reliability.md.
"""

import re
import subprocess
import sys
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from catalog.models import Item, ItemKind
from loyalty.adjustments import points_adjust
from loyalty.redemption import points_redeem
from staff.services import Range, staff_hours_set
from tests.staff.factories import StaffFactory
from tests.tickets.factories import ticket_with_lines

MAX_EXAMPLES = 3
# Seconds per role and phase group: each gets its own budget, or the coverage phase (every
# field's boundaries) would use them all on a slow machine. A phase cut short by its budget
# is not a failure; any failing case is.
BUDGETS = {"examples,coverage": 12, "fuzzing": 8, "stateful": 10}
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)
# Signing out ends the token the run uses; the rest of the run would only see 401s.
EXCLUDED = ("sign_out", "sign_out_everywhere")
# The operations each role may use (SPEC §10).
OPERATIONS = {
    "manager": ["--exclude-path-regex", "^/api/v1/me/"],
    "front_desk": ["--exclude-path-regex", "^/api/v1/(me|reports)/"],
    "client_with_history": ["--include-path-regex", "^/api/v1/(me|items|availability)/"],
}

pytestmark = [
    pytest.mark.schemathesis,
    pytest.mark.django_db(transaction=True, reset_sequences=True),
]


@pytest.fixture
def client_with_history(customer, client_user, manager):
    """The client app's user, whose ledger has an adjustment and a redemption (their
    entries have no earning action: `action` is null, R72)."""
    points_adjust(client=customer, points=1500, reason="welcome", user=manager)
    points_redeem(ticket=ticket_with_lines("40.00", client=customer), points=500, user=manager)
    return client_user


def st_run(*, url: str, token: str, role: str, phases: str, seconds: int, cwd: Path) -> str:
    """`st run` with these phases on the served schema (saved in `cwd` once: the server
    builds it anew on each request); its summary. Fails the test on any failure."""
    # fmt: off
    command = [
        str(Path(sys.executable).parent / "st"), "run",
        str(cwd / "schema.json"),
        "--url", url,
        "--header", f"Authorization: Token {token}",
        "--phases", phases,
        "--checks", CHECKS,
        "--max-examples", str(MAX_EXAMPLES),
        "--max-time", str(seconds),
        "--seed", "15",
        "--no-color",
        *OPERATIONS[role],
    ]
    for operation_id in EXCLUDED:
        command += ["--exclude-operation-id", operation_id]
    # fmt: on
    run = subprocess.run(command, capture_output=True, text=True, timeout=seconds * 4 + 60, cwd=cwd)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    summary = run.stdout[run.stdout.rfind("SUMMARY") :]
    assert "❌" not in summary, summary
    assert re.search(r"(\d+) generated, \1 passed", summary), summary
    return summary


@pytest.mark.parametrize("role", list(OPERATIONS))
def test_every_phase_finds_no_server_error_and_no_schema_violation(
    role, request, live_server, all_features, client_with_history, tmp_path
):
    # Every role's run sees the same salon: the client (id 1) with their open ticket (id 1),
    # an item for sale and a stylist working every day.
    user = request.getfixturevalue(role)
    Item.objects.create(name="Haircut", kind=ItemKind.SERVICE, price=Decimal("40.00"))
    staff_hours_set(
        staff=StaffFactory(name="Sam"),
        ranges=[Range(weekday, time(9), time(17)) for weekday in range(7)],
    )
    _, token = AuthToken.objects.create(user)
    (tmp_path / "schema.json").write_bytes(
        APIClient().get("/api/schema/", {"format": "json"}).content
    )
    for phases, seconds in BUDGETS.items():
        summary = st_run(
            url=live_server.url,
            token=token,
            role=role,
            phases=phases,
            seconds=seconds,
            cwd=tmp_path,
        )
        print(f"{role} {phases}: {summary}")
