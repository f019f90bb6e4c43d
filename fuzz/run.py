"""`make fuzz` (issue #15, R72): the long schemathesis run, not part of `make test`.

It builds a fresh database with the demo data (PostgreSQL `salon_fuzz` unless
`--database-url` / `FUZZ_DATABASE_URL` names another; a `sqlite:///…` URL works too),
gives the demo client-app user a ledger with an adjustment and a redemption, starts
`manage.py runserver` on 127.0.0.1, and runs schemathesis' own runner (`st run`) with every
phase (examples, coverage, fuzzing, stateful through the schema's links) as the Manager,
Front desk and that client-app user, each for `--seconds` with `--max-examples` per
operation. It prints each role's summary and writes schemathesis' JSON report per role to
`--report-dir`, and exits 1 when any role has a failing check (a server error or an answer
the schema doesn't describe).

    .venv/bin/python fuzz/run.py --seconds 240 --max-examples 50
    FUZZ_DATABASE_URL=postgres://postgres@127.0.0.1:5432/salon_mine .venv/bin/python fuzz/run.py

The server log, uploads and reports are named after the database, so engineers sharing the
machine who each fuzz their own database don't overwrite each other's.

The server and schemathesis run under `nice` (the machine is shared); the seeding doesn't.

Nothing leaves the machine: the server binds 127.0.0.1 only.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/salon_fuzz"
# The suite's checks (tests/security/test_schemathesis_phases.py), and what only a long run
# has the time for: a request the schema forbids must be refused (it found a tax rate
# renamed by `{"name": 0}`), a request without the token must be 401, and a deleted
# object must be gone while a created one can be read.
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,negative_data_rejection,ignored_auth,use_after_free,"
    "ensure_resource_availability"
)
# What each role must never be answered 2xx for (SPEC §10, §11 and §13's tables): refusals
# that depend on an object's state (a closed ticket's lines) are the suite's, not this list's.
FORBIDDEN = {
    "manager": [r"\w+ /api/v1/me/"],
    "front_desk": [
        r"\w+ /api/v1/me/",
        r"\w+ /api/v1/reports/",
        r"POST /api/v1/items/",
        r"POST /api/v1/loyalty/adjustments/",
        r"POST /api/v1/clients/\{id\}/(merge|tier)/",
        r"POST /api/v1/tickets/\{id\}/settle/",
        r"(POST|PATCH|PUT|DELETE) /api/v1/(loyalty/(rules|settings|tiers|promotions)|features"
        r"|salon|staff|tax-rates)",
    ],
    "client_with_history": [
        r"\w+ /api/v1/(?!me/|items/|availability/|auth/|signup/)",
        r"(POST|PATCH|PUT|DELETE) /api/v1/items/",
    ],
}
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
ticket_add_line(ticket=ticket, item=Item.objects.filter(price__gt=10).first())
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
    # One worker: with two threads, CPython 3.11.7 raised "AST constructor recursion depth
    # mismatch" inside hypothesis (describing a filter's lambda) and ended the coverage
    # phase, so the stateful phase never ran (the client app's run of 30 November).
    parser.add_argument("--workers", default="1", help="schemathesis workers")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--seed", type=int, default=1515)
    parser.add_argument("--checks", default=CHECKS, help="schemathesis checks")
    parser.add_argument("--roles", default="manager,front_desk,client_with_history")
    parser.add_argument(
        "--database-url", default=os.environ.get("FUZZ_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--report-dir", help="default: /tmp/<database>-report")
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="the database of an earlier run, as it is (seeding takes minutes on a busy machine)",
    )
    arguments = parser.parse_args()
    name = database_name(arguments.database_url)
    arguments.report_dir = arguments.report_dir or f"/tmp/{name}-report"
    return arguments


def database_name(url: str) -> str:
    """`salon_fuzz` for PostgreSQL, the file's stem for SQLite: it names the run's files."""
    return Path(urlsplit(url).path).stem


def environment(url: str) -> dict:
    return os.environ | {
        "DEBUG": "true",
        "DATABASE_URL": url,
        "MEDIA_ROOT": f"/tmp/{database_name(url)}-media",
        # The run is one user sending thousands of requests: the anonymous endpoints' rate
        # limits would answer 429 to nearly all of them and hide their happy paths.
        "THROTTLE_RATE_AUTH_TOKEN": "100000/min",
        "THROTTLE_RATE_SIGNUP": "100000/min",
        "THROTTLE_RATE_SIGNUP_VERIFY": "100000/min",
    }


def server_log(url: str) -> Path:
    return Path(f"/tmp/{database_name(url)}-server.log")


def manage(url: str, *arguments: str, capture: bool = False) -> str:
    run = subprocess.run(
        [str(BIN / "python"), "manage.py", *arguments],
        cwd=ROOT,
        env=environment(url),
        check=True,
        # Only stdout: a failing setup's traceback goes to the terminal.
        stdout=subprocess.PIPE if capture else None,
        text=True,
    )
    return run.stdout if capture else ""


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        database = Path(parts.path.removeprefix("/"))
        for path in database.parent.glob(database.name + "*"):
            path.unlink()
        return
    import psycopg

    name = database_name(url)
    admin_url = urlunsplit(parts._replace(path="/postgres", query=""))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def prepare(url: str, reuse_database: bool) -> dict:
    if not reuse_database:
        recreate_database(url)
        manage(url, "migrate", "--noinput", "-v", "0")
        manage(url, "seed_demo")
    output = manage(url, "shell", "-c", SETUP, capture=True)
    return json.loads(output.strip().splitlines()[-1])


def serve(url: str, port: int) -> subprocess.Popen:
    # Another engineer's run on the same port would answer the wait below, and we would
    # fuzz their server and database.
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is taken (another run?): pass --port")
    server = subprocess.Popen(
        ["nice", str(BIN / "python"), "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment(url),
        stdout=server_log(url).open("w"),
        stderr=subprocess.STDOUT,
    )
    # Generous: Django's system checks alone took over a minute under `nice` at load 25.
    # A cheap path (JSON 401 or 404), not the schema: at load 15 building it took over the
    # probe's timeout, and every abandoned probe left the server building one more.
    for _ in range(1200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/", timeout=30)
            return server
        except urllib.error.HTTPError:
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"the server did not answer; see {server_log(url)}")


def fuzz(role: str, token: str, url: str, arguments) -> tuple[bool, str]:
    report = Path(arguments.report_dir) / f"{role}.json"
    # fmt: off
    command = [
        "nice", str(BIN / "st"), "run", str(Path(arguments.report_dir) / "schema.json"),
        "--url", url,
        "--header", f"Authorization: Token {token}",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--checks", arguments.checks,
        "--max-examples", str(arguments.max_examples),
        "--max-time", str(arguments.seconds),
        "--workers", arguments.workers,
        "--seed", str(arguments.seed),
        # A sign-in hashes its password: over st's 10 s under `nice` at load 12 (a
        # "Network Error" in the 10:00 run), which is the machine, not the API.
        "--request-timeout", "60",
        "--report", "json,har", "--report-json-path", str(report),
        "--report-har-path", str(report.with_suffix(".har")),
        "--no-color",
    ]
    for operation_id in EXCLUDED:
        command += ["--exclude-operation-id", operation_id]
    # fmt: on
    run = subprocess.run(command, capture_output=True, text=True, cwd=arguments.report_dir)
    summary = run.stdout[run.stdout.rfind("SUMMARY") :]
    (Path(arguments.report_dir) / f"{role}.txt").write_text(run.stdout + run.stderr)
    reached = forbidden_reached(role, report.with_suffix(".har"), arguments.report_dir)
    summary += f"\naccepted positive cases: {accepted_rate(report)}\n"
    summary += f"forbidden operations answered 2xx: {len(reached)}\n"
    summary += "".join(f"  {operation}: {count}\n" for operation, count in reached.items())
    return run.returncode == 0 and "❌" not in summary and not reached, summary


def accepted_rate(report: Path) -> str:
    """Schemathesis' count of the positive cases the API accepted (2xx) against those it
    turned away (missing object, state conflict, refused data), over every operation."""
    rates = json.loads(report.read_text())["valid_rates"].values()
    counts = [phase for operation in rates for phase in operation.values()]
    accepted = sum(count["accepted"] for count in counts)
    total = sum(sum(count.values()) for count in counts)
    return f"{accepted} of {total} ({100 * accepted / max(total, 1):.0f} %)"


def forbidden_reached(role: str, har: Path, report_dir: str) -> dict[str, int]:
    """Every request of the run (the HAR) whose operation the role may not use and that was
    answered 2xx, counted per operation."""
    schema = json.loads((Path(report_dir) / "schema.json").read_text())
    # `/tickets/{id}/close/` matches `/tickets/7/close` and `/tickets/7/close/` (R73).
    templates = [
        (re.sub(r"\\\{\w+\\\}", r"[^/]+", re.escape(path.rstrip("/"))), path)
        for path in schema["paths"]
    ]
    templates = [(re.compile(f"^{pattern}/?$"), path) for pattern, path in templates]
    forbidden = re.compile("|".join(f"(?:{pattern})" for pattern in FORBIDDEN[role]))
    reached: dict[str, int] = {}
    for entry in json.loads(har.read_text())["log"]["entries"]:
        path = urlsplit(entry["request"]["url"]).path
        template = next((name for pattern, name in templates if pattern.match(path)), path)
        operation = f"{entry['request']['method']} {template}"
        if 200 <= entry["response"]["status"] < 300 and forbidden.match(operation):
            reached[operation] = reached.get(operation, 0) + 1
    return reached


def main() -> int:
    arguments = parse_arguments()
    Path(arguments.report_dir).mkdir(parents=True, exist_ok=True)
    tokens = prepare(arguments.database_url, arguments.reuse_database)
    server = serve(arguments.database_url, arguments.port)
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
    log = server_log(arguments.database_url)
    errors = len(re.findall(r"Internal Server Error", log.read_text()))
    print(f"server log: {errors} 'Internal Server Error' lines ({log})")
    return 0 if passed and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
