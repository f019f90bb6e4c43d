"""R72, #15: schemathesis' own runner (`st run`, as an app team would run it) against the
running app (live_server), with every phase — the schema's examples, coverage (boundary
and missing values per field), fuzzing, and stateful sequences that follow the schema's
links (create a ticket → add a line → pay → close) — as a Manager, as Front desk and as a
client-app user whose ledger has a redemption and an adjustment.

The promise: 0 server errors and 0 schema violations (status, content type, body). The run
is bounded (MAX_EXAMPLES per operation, MAX_SECONDS per role) so the suite stays usable; a
longer run's figures are in docs/reliability.md.
"""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from knox.models import AuthToken

from catalog.models import Item, ItemKind
from loyalty.adjustments import points_adjust
from loyalty.redemption import points_redeem
from tests.tickets.factories import ticket_with_lines

MAX_EXAMPLES = 3
MAX_SECONDS = 45
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)
# Signing out ends the token the run uses; the rest of the run would only see 401s.
EXCLUDED = ("sign_out", "sign_out_everywhere")

pytestmark = pytest.mark.schemathesis


@pytest.fixture
def client_with_history(customer, client_user, manager):
    """The client app's user, whose ledger has an adjustment and a redemption (their
    entries have no earning action: `action` is null, R72)."""
    points_adjust(client=customer, points=1500, reason="welcome", user=manager)
    points_redeem(ticket=ticket_with_lines("40.00", client=customer), points=500, user=manager)
    return client_user


@pytest.mark.parametrize("role", ["manager", "front_desk", "client_with_history"])
def test_every_phase_finds_no_server_error_and_no_schema_violation(
    role, request, live_server, transactional_db, all_features, tmp_path
):
    user = request.getfixturevalue(role)
    Item.objects.create(name="Haircut", kind=ItemKind.SERVICE, price=Decimal("40.00"))
    _, token = AuthToken.objects.create(user)
    # fmt: off
    command = [
        str(Path(sys.executable).parent / "st"), "run",
        f"{live_server.url}/api/schema/?format=json",
        "--url", live_server.url,
        "--header", f"Authorization: Token {token}",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--checks", CHECKS,
        "--max-examples", str(MAX_EXAMPLES),
        "--max-time", str(MAX_SECONDS),
        "--seed", "15",
        "--no-color",
    ]
    for operation_id in EXCLUDED:
        command += ["--exclude-operation-id", operation_id]
    # fmt: on
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=MAX_SECONDS * 4 + 60, cwd=tmp_path
    )
    summary = run.stdout[run.stdout.rfind("SUMMARY") :]
    print(f"{role}: {summary}")
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in summary, summary
    assert " passed" in summary and "failed" not in summary, summary
