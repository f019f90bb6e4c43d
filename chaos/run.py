"""`make chaos` (issue #16): a bounded, loopback-only, repeatable fault-injection run.

It builds a fresh PostgreSQL database, starts gunicorn (several workers) on 127.0.0.1, and
for `--seconds` drives rounds of racing requests over HTTP, every POST with an
Idempotency-Key and retried with the same key as an app would (a dropped connection, a
503, a 409 "still in progress"): redemptions, closes, voids, line changes, adjustments
and merges on the same tickets and clients. Meanwhile it SIGKILLs gunicorn workers and
terminates the workers' database sessions. Then it checks the invariants:

- every points balance equals the sum of its entries (ledger_check);
- every client's stored daily qualifying spend equals their closed tickets' lines (R61);
- no closed ticket of a client without its earned points;
- no points payment without its redemption (per ticket, points paid = points redeemed);
- no Idempotency-Key claim left in progress;
- no tombstone (merged client) holding points.

It prints the requests by status and every violation, and exits 1 on any violation or on
any unexpected 5xx (a 500 at any attempt, or a request with no final answer in 3 minutes).
A 503 `database_unavailable` during a fault is expected: the app says "retry", we do.

    .venv/bin/python chaos/run.py --seconds 60          # the CI's short mode
    .venv/bin/python chaos/run.py --seconds 600 --seed 7

`--seed` makes the choice and order of rounds repeatable; the faults' exact timing, as
any real crash's, is not. Nothing leaves the machine: the server binds 127.0.0.1 only.
"""

import argparse
import collections
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
SERVER_LOG = Path("/tmp/salon-chaos-server.log")
WEB_APPLICATION_NAME = "salon-chaos-web"
# How long one request may keep retrying (dropped connections, 503, 409 in progress)
# before it counts as never answered. Generous: with a worker killed every few seconds on a
# busy machine, every worker can be booting at once and a request waits in the backlog
# (a 60 s patience left 7 of 265 requests unanswered, and their claims in progress, in a
# 10-minute run on the shared 2-core machine).
REQUEST_PATIENCE_SECONDS = 180
# One attempt's wait for an answer: above gunicorn's 30 s timeout, which kills a stuck
# worker (the client then sees the connection drop and retries).
ATTEMPT_TIMEOUT_SECONDS = 35


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the load phase")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--rounds-at-once", type=int, default=3, help="rounds racing at once")
    parser.add_argument("--kill-every", type=float, default=4.0, help="seconds between kills")
    parser.add_argument("--sever-every", type=float, default=3.0, help="seconds between severs")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "CHAOS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/salon_chaos"
        ),
    )
    return parser.parse_args()


# --- the database and the server ----------------------------------------------------------


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres", query=""))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [name],
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def django_environment(url: str) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "salon.settings",
        "DATABASE_URL": url,
        "DEBUG": "true",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "60",
    }


def start_server(arguments, environment: dict) -> subprocess.Popen:
    separator = "&" if "?" in arguments.database_url else "?"
    web_environment = {
        **os.environ,
        **environment,
        "DATABASE_URL": f"{arguments.database_url}{separator}application_name="
        f"{WEB_APPLICATION_NAME}",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "salon.wsgi:application",
            "--bind",
            f"127.0.0.1:{arguments.port}",
            "--workers",
            str(arguments.workers),
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=web_environment,
        # The server's own log (access lines, killed workers, refusals) would drown the
        # summary: it goes to a file, named at the end.
        stdout=SERVER_LOG.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", arguments.port, timeout=2)
            connection.request("GET", "/api/v1/")
            connection.getresponse().read()
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start")


def worker_pids(server: subprocess.Popen) -> list[int]:
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in children.split()]


# --- requests, retried with their key ----------------------------------------------------


class Tally:
    """Every attempt's status and every request's final status, shared by the threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.attempts = collections.Counter()
        self.finals = collections.Counter()
        self.unexpected: list[str] = []

    def attempt(self, status):
        with self.lock:
            self.attempts[status] += 1

    def final(self, status, description: str):
        with self.lock:
            self.finals[status] += 1
            if status == "no answer" or (isinstance(status, int) and status >= 500):
                self.unexpected.append(f"{description}: {status}")

    def server_error(self, description: str, status: int, body: bytes):
        with self.lock:
            self.unexpected.append(f"{description}: {status} {body[:200]!r}")


def call(tally: Tally, port: int, token: str, method: str, path: str, body=None) -> tuple:
    """One request, retried with the same Idempotency-Key until it gets an answer that is
    final (not a dropped connection, a 503 or a 409 in progress). Returns (status, data)."""
    key = str(uuid.uuid4())
    payload = json.dumps(body or {}).encode()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    if method == "POST":
        headers["Idempotency-Key"] = key
    description = f"{method} {path}"
    deadline = time.monotonic() + REQUEST_PATIENCE_SECONDS
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=ATTEMPT_TIMEOUT_SECONDS
            )
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            status, content = response.status, response.read()
            connection.close()
        except (OSError, http.client.HTTPException):
            tally.attempt("connection dropped")
            time.sleep(0.2)
            continue
        tally.attempt(status)
        data = json.loads(content) if content.startswith((b"{", b"[")) else {}
        if status >= 500 and status != 503:
            tally.server_error(description, status, content)
        retry = status == 503 or (
            status == 409 and data.get("code") == "idempotency_key_in_progress"
        )
        if method == "PATCH" and status == 503:
            # No key on PATCH: a 503 changed nothing, so sending it again is safe too.
            retry = True
        if not retry:
            tally.final(status, description)
            return status, data
        time.sleep(0.2)
    tally.final("no answer", description)
    return None, {}


def together(*calls):
    """Run the calls at once (threads released by a barrier); their results, in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, function):
        barrier.wait()
        results[index] = function()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- the rounds ---------------------------------------------------------------------------


class Salon:
    """The fixtures of the rounds, written through the services in this process."""

    def __init__(self):
        from django.contrib.auth.models import Group
        from knox.models import get_token_model

        from accounts.models import User
        from catalog.models import ItemKind
        from catalog.services import item_create
        from loyalty.actions import Action
        from loyalty.models import EarningRule
        from loyalty.selectors import earning_rules_get
        from salon import roles
        from salon.models import Features

        Features.objects.update_or_create(
            pk=1,
            defaults={
                "automated_email_marketing": True,
                "mass_email": True,
                "rewards_referrals": True,
            },
        )
        earning_rules_get()
        EarningRule.objects.filter(action=Action.SERVICE_PURCHASE).update(
            active=True, points=2, spend_unit=Decimal("1.00")
        )
        self.manager = User.objects.create_user("chaos-manager", password="x", is_staff=True)
        self.manager.groups.add(Group.objects.get(name=roles.MANAGER))
        self.desk = User.objects.create_user("chaos-desk", password="x", is_staff=True)
        self.desk.groups.add(Group.objects.get(name=roles.FRONT_DESK))
        self.manager_token = get_token_model().objects.create(user=self.manager)[1]
        self.desk_token = get_token_model().objects.create(user=self.desk)[1]
        self.haircut = item_create(
            name="Chaos haircut", kind=ItemKind.SERVICE, price=Decimal("100.00")
        )

    def client_with_points(self, points: int = 2000):
        from clients.services import client_create
        from loyalty.adjustments import points_adjust

        client = client_create(first_name="Chaos", last_name=uuid.uuid4().hex[:8])
        points_adjust(client=client, points=points, reason="chaos start", user=self.manager)
        return client

    def ticket(self, client, *, paid: str | None = None):
        from tickets.lifecycle import ticket_open
        from tickets.lines import ticket_add_line
        from tickets.payments import payment_add

        ticket = ticket_open(client=client, user=self.desk)
        line = ticket_add_line(ticket=ticket, item=self.haircut)
        if paid is not None:
            payment_add(ticket=ticket, method="cash", amount=Decimal(paid), user=self.desk)
        return ticket, line


def round_redeem_close(salon, post, patch):
    """A redemption (the last $5) racing the close and a second redemption (R21-R23)."""
    client = salon.client_with_points()
    ticket, _line = salon.ticket(client, paid="95.00")
    together(
        lambda: post("desk", f"/api/v1/tickets/{ticket.pk}/redeem/", {"points": 500}),
        lambda: post("desk", f"/api/v1/tickets/{ticket.pk}/redeem/", {"points": 500}),
        lambda: post("desk", f"/api/v1/tickets/{ticket.pk}/close/"),
    )


def round_void_close_line(salon, post, patch):
    """A close racing a void and a line change of the same open ticket (R16, R31)."""
    client = salon.client_with_points()
    ticket, line = salon.ticket(client, paid="100.00")
    together(
        lambda: post("desk", f"/api/v1/tickets/{ticket.pk}/close/"),
        lambda: post("desk", f"/api/v1/tickets/{ticket.pk}/void/", {"reason": "chaos"}),
        lambda: patch("desk", f"/api/v1/tickets/{ticket.pk}/lines/{line.pk}/", {"quantity": 2}),
    )


def round_merge(salon, post, patch):
    """A merge racing a close, a redemption and an adjustment of the duplicate (R78)."""
    survivor, duplicate = salon.client_with_points(), salon.client_with_points()
    paid_ticket, _ = salon.ticket(duplicate, paid="100.00")
    open_ticket, _ = salon.ticket(duplicate)
    together(
        lambda: post(
            "manager", f"/api/v1/clients/{survivor.pk}/merge/", {"duplicate": duplicate.pk}
        ),
        lambda: post("desk", f"/api/v1/tickets/{paid_ticket.pk}/close/"),
        lambda: post("desk", f"/api/v1/tickets/{open_ticket.pk}/redeem/", {"points": 300}),
        lambda: post(
            "manager",
            "/api/v1/loyalty/adjustments/",
            {"client": duplicate.pk, "points": -200, "reason": "chaos"},
        ),
    )


def round_closed_refund(salon, post, patch):
    """After a close: a Manager's void (refund) racing a redemption attempt and a change."""
    from tickets.lifecycle import ticket_close

    client = salon.client_with_points()
    ticket, line = salon.ticket(client, paid="100.00")
    ticket_close(ticket=ticket, user=salon.desk)
    together(
        lambda: post("manager", f"/api/v1/tickets/{ticket.pk}/void/", {"reason": "chaos refund"}),
        lambda: post("desk", f"/api/v1/tickets/{ticket.pk}/redeem/", {"points": 100}),
        lambda: patch(
            "manager",
            f"/api/v1/tickets/{ticket.pk}/lines/{line.pk}/",
            {"quantity": 2, "reason": "chaos"},
        ),
    )


ROUNDS = [round_redeem_close, round_void_close_line, round_merge, round_closed_refund]


# --- faults -------------------------------------------------------------------------------


def faults(arguments, server, stop: threading.Event, counts: collections.Counter, seed: int):
    import psycopg

    chooser = random.Random(seed)
    name = urlsplit(arguments.database_url).path.lstrip("/")
    admin_url = urlunsplit(urlsplit(arguments.database_url)._replace(path="/postgres", query=""))
    next_kill = time.monotonic() + arguments.kill_every
    next_sever = time.monotonic() + arguments.sever_every
    with psycopg.connect(admin_url, autocommit=True) as admin:
        while not stop.wait(0.1):
            now = time.monotonic()
            if now >= next_kill:
                next_kill = now + arguments.kill_every
                pids = worker_pids(server)
                if pids:
                    try:
                        os.kill(chooser.choice(pids), signal.SIGKILL)
                        counts["workers killed"] += 1
                    except ProcessLookupError:
                        pass
            if now >= next_sever:
                next_sever = now + arguments.sever_every
                rows = admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                    [name, WEB_APPLICATION_NAME],
                ).fetchall()
                if rows:
                    pid = chooser.choice(rows)[0]
                    admin.execute("SELECT pg_terminate_backend(%s)", [pid])
                    counts["database sessions severed"] += 1


# --- invariants ---------------------------------------------------------------------------


def violations() -> list[str]:
    from django.db.models import Q, Sum

    from clients.models import Client
    from loyalty.models import EntryKind, PointsBalance, PointsEntry
    from loyalty.selectors import ledger_disagreements
    from salon.models import IdempotencyRecord, IdempotencyStatus
    from tickets.models import Payment, PaymentMethod, Ticket, TicketStatus
    from tickets.spend import daily_spend_disagreements

    found = [
        f"ledger: client #{client} balance {total} but entries sum to {entries}"
        for client, total, entries in ledger_disagreements()
    ]
    found += [  # R61: the stored qualifying spend survives kills and severed sessions
        f"spend: client #{client} on {day} stored {stored} but lines sum to {recomputed}"
        for client, day, stored, recomputed in daily_spend_disagreements()
    ]
    unearned = Ticket.objects.filter(status=TicketStatus.CLOSED, client__isnull=False).exclude(
        pk__in=PointsEntry.objects.filter(kind=EntryKind.EARN).values("ticket_id")
    )
    found += [
        f"closed ticket #{pk} has no earned points" for pk in unearned.values_list("pk", flat=True)
    ]
    paid = dict(
        Payment.objects.filter(method=PaymentMethod.POINTS)
        .exclude(ticket__status=TicketStatus.VOIDED)
        .values("ticket_id")
        .annotate(points=Sum("points"))
        .values_list("ticket_id", "points")
    )
    redeemed = dict(
        PointsEntry.objects.filter(
            ticket_id__in=list(paid),
            kind__in=[EntryKind.REDEEM, EntryKind.REDEEM_REVERSAL],
        )
        .values("ticket_id")
        .annotate(points=Sum("points"))
        .values_list("ticket_id", "points")
    )
    found += [
        f"ticket #{ticket}: {points} points paid but {-redeemed.get(ticket, 0)} redeemed"
        for ticket, points in paid.items()
        if points != -redeemed.get(ticket, 0)
    ]
    in_progress = IdempotencyRecord.objects.filter(status=IdempotencyStatus.IN_PROGRESS)
    found += [f"claim left in progress: {record}" for record in in_progress]
    tombstones = PointsBalance.objects.filter(
        client__in=Client.objects.filter(~Q(merged_into=None))
    ).exclude(total=0)
    found += [f"tombstone #{b.client_id} holds {b.total} points" for b in tombstones]
    return found


# --- the run ------------------------------------------------------------------------------


def main() -> int:
    arguments = parse_arguments()
    if urlsplit(arguments.database_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("chaos runs against a loopback database only")
    environment = django_environment(arguments.database_url)
    print(f"chaos: fresh database, {arguments.seconds} s of load, seed {arguments.seed}")
    recreate_database(arguments.database_url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, **environment},
        check=True,
    )
    os.environ.update(environment)
    sys.path.insert(0, str(ROOT))
    import django
    from django.db import connections

    django.setup()
    salon = Salon()
    tally = Tally()
    tokens = {"manager": salon.manager_token, "desk": salon.desk_token}

    def post(role, path, body=None):
        return call(tally, arguments.port, tokens[role], "POST", path, body)

    def patch(role, path, body=None):
        return call(tally, arguments.port, tokens[role], "PATCH", path, body)

    server = start_server(arguments, environment)
    stop, counts = threading.Event(), collections.Counter()
    injector = threading.Thread(
        target=faults, args=(arguments, server, stop, counts, arguments.seed)
    )
    end = time.monotonic() + arguments.seconds
    order = random.Random(arguments.seed)
    order_lock = threading.Lock()

    def rounds():
        try:
            while time.monotonic() < end:
                with order_lock:
                    chosen = order.choice(ROUNDS)
                chosen(salon, post, patch)
                with order_lock:
                    counts[chosen.__name__] += 1
        finally:
            connections.close_all()

    runners = [threading.Thread(target=rounds) for _ in range(arguments.rounds_at_once)]
    injector.start()
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    stop.set()
    injector.join()
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)

    found = violations()
    print("\nrounds and faults:")
    for name, count in sorted(counts.items()):
        print(f"  {name}: {count}")
    print("every attempt by status:")
    for status, count in sorted(tally.attempts.items(), key=str):
        print(f"  {status}: {count}")
    print("requests by final status:")
    for status, count in sorted(tally.finals.items(), key=str):
        print(f"  {status}: {count}")
    print(f"unexpected 5xx or unanswered: {len(tally.unexpected)}")
    for line in tally.unexpected[:20]:
        print(f"  {line}")
    print(f"invariant violations: {len(found)}")
    for line in found[:50]:
        print(f"  {line}")
    failed = bool(found or tally.unexpected)
    print(f"server log: {SERVER_LOG}")
    print("chaos: FAILED" if failed else "chaos: passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
