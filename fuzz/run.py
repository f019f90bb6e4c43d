"""`make fuzz` (issue #15, R72): the long schemathesis run, not part of `make test`.

It builds a fresh SQLite database with the demo data, gives the demo client-app user a
ledger with an adjustment and a redemption, starts `manage.py runserver` on 127.0.0.1, and
runs schemathesis' own runner (`st run`) with every phase (examples, coverage, fuzzing,
stateful through the schema's links) as the Manager, Front desk and that client-app user,
each for `--seconds` with `--max-examples` per operation. It prints each role's summary and
writes schemathesis' JSON report per role to `--report-dir`, and exits 1 when any role
has a failing check (a server error or an answer the schema doesn't describe).

    .venv/bin/python fuzz/run.py --seconds 240 --max-examples 50

The server and schemathesis run under `nice` (the machine is shared); the seeding doesn't.

Nothing leaves the machine: the server binds 127.0.0.1 only.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATABASE = Path("/tmp/salon-fuzz.sqlite3")
SERVER_LOG = Path("/tmp/salon-fuzz-server.log")
# The same checks as the suite's test (tests/security/test_schemathesis_phases.py).
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)
# Signing out ends the token the run uses; the rest of the run would only see 401s.
EXCLUDED = ("sign_out", "sign_out_everywhere")

# The demo's users and the client-app user's history, in the server's own Django.
SETUP = """
from django.contrib.auth import get_user_model
User = get_user_model()
from knox.models import AuthToken
from catalog.models import Item
from clients.models import Client
from loyalty.adjustments import points_adjust
from loyalty.redemption import points_redeem
from tickets.lifecycle import ticket_open
from tickets.lines import ticket_add_line
import json
manager = User.objects.get(username="manager")
chloe = Client.objects.get(user__username="chloe.diaz@example.com")
points_adjust(client=chloe, points=1500, reason="fuzz: welcome", user=manager)
ticket = ticket_open(client=chloe, user=manager)
ticket_add_line(ticket=ticket, item=Item.objects.filter(price__gt=10).first(), user=manager)
points_redeem(ticket=ticket, points=500, user=manager)
tokens = {}
for role, name in (
    ("manager", "manager"),
    ("front_desk", "frontdesk"),
    ("client_with_history", "chloe.diaz@example.com"),
):
    tokens[role] = AuthToken.objects.create(User.objects.get(username=name))[1]
print(json.dumps(tokens))
"""


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=240, help="budget per role")
    parser.add_argument("--max-examples", type=int, default=50, help="per operation")
    parser.add_argument("--workers", default="2", help="schemathesis workers")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--seed", type=int, default=1515)
    parser.add_argument("--roles", default="manager,front_desk,client_with_history")
    parser.add_argument("--report-dir", default="/tmp/salon-fuzz-report")
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="the database of an earlier run, as it is (seeding takes minutes on a busy machine)",
    )
    return parser.parse_args()


def environment() -> dict:
    return os.environ | {
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{DATABASE}",
        "MEDIA_ROOT": "/tmp/salon-fuzz-media",
        # The run is one user sending thousands of requests: the anonymous endpoints' rate
        # limits would answer 429 to nearly all of them and hide their happy paths.
        "THROTTLE_RATE_AUTH_TOKEN": "100000/min",
        "THROTTLE_RATE_SIGNUP": "100000/min",
        "THROTTLE_RATE_SIGNUP_VERIFY": "100000/min",
    }


def manage(*arguments: str, capture: bool = False) -> str:
    run = subprocess.run(
        [str(BIN / "python"), "manage.py", *arguments],
        cwd=ROOT,
        env=environment(),
        check=True,
        capture_output=capture,
        text=True,
    )
    return run.stdout if capture else ""


def prepare(reuse_database: bool) -> dict:
    if not (reuse_database and DATABASE.exists()):
        for path in DATABASE.parent.glob(DATABASE.name + "*"):
            path.unlink()
        manage("migrate", "--noinput", "-v", "0")
        manage("seed_demo")
    output = manage("shell", "-c", SETUP, capture=True)
    return json.loads(output.strip().splitlines()[-1])


def serve(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        ["nice", str(BIN / "python"), "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment(),
        stdout=SERVER_LOG.open("w"),
        stderr=subprocess.STDOUT,
    )
    # Generous: Django's system checks alone took over a minute under `nice` at load 25.
    for _ in range(1200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/schema/?format=json", timeout=5)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"the server did not answer; see {SERVER_LOG}")


def fuzz(role: str, token: str, url: str, arguments) -> tuple[bool, str]:
    report = Path(arguments.report_dir) / f"{role}.json"
    # fmt: off
    command = [
        "nice", str(BIN / "st"), "run", str(Path(arguments.report_dir) / "schema.json"),
        "--url", url,
        "--header", f"Authorization: Token {token}",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--checks", CHECKS,
        "--max-examples", str(arguments.max_examples),
        "--max-time", str(arguments.seconds),
        "--workers", arguments.workers,
        "--seed", str(arguments.seed),
        "--report", "json", "--report-json-path", str(report),
        "--no-color",
    ]
    for operation_id in EXCLUDED:
        command += ["--exclude-operation-id", operation_id]
    # fmt: on
    run = subprocess.run(command, capture_output=True, text=True, cwd=arguments.report_dir)
    summary = run.stdout[run.stdout.rfind("SUMMARY") :]
    (Path(arguments.report_dir) / f"{role}.txt").write_text(run.stdout + run.stderr)
    return run.returncode == 0 and "❌" not in summary, summary


def main() -> int:
    arguments = parse_arguments()
    Path(arguments.report_dir).mkdir(parents=True, exist_ok=True)
    tokens = prepare(arguments.reuse_database)
    server = serve(arguments.port)
    url = f"http://127.0.0.1:{arguments.port}"
    passed = True
    try:
        # Downloaded once: the server builds the schema anew per request, which took over
        # st's 10 s timeout at load 25.
        with urllib.request.urlopen(f"{url}/api/schema/?format=json", timeout=300) as schema:
            (Path(arguments.report_dir) / "schema.json").write_bytes(schema.read())
        for role in arguments.roles.split(","):
            started = time.monotonic()
            ok, summary = fuzz(role, tokens[role], url, arguments)
            passed &= ok
            print(
                f"== {role}: {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s"
            )
            print(summary)
    finally:
        server.terminate()
        server.wait(timeout=30)
    errors = len(re.findall(r"Internal Server Error", SERVER_LOG.read_text()))
    print(f"server log: {errors} 'Internal Server Error' lines ({SERVER_LOG})")
    return 0 if passed and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
