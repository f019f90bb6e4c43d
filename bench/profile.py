"""Profile the paths whose targets are missed, with pyinstrument, on the bench data set.

    make bench-profile      # after `make bench` has generated salon_bench

Writes bench/results/profile-<path>.txt: where the time of a ticket close (P3), a rewards
read (P1/P2) and a keyed POST (P6) goes, with the SQL round trips counted.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/salon_bench")

import django

django.setup()

from django.db import transaction  # noqa: E402
from knox.models import AuthToken  # noqa: E402
from pyinstrument import Profiler  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from bench.generate import read_marker  # noqa: E402
from bench.inprocess import (  # noqa: E402
    QueryCounter,
    activate_rules,
    manager_user,
    new_client,
    open_tickets,
)
from tickets.lifecycle import ticket_close  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
OPERATIONS = 50


def profile(name: str, operation, arguments) -> None:
    profiler = Profiler(interval=0.0005)
    with QueryCounter() as counter:
        profiler.start()
        for argument in arguments:
            operation(argument)
        profiler.stop()
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    per_operation = len(counter) / len(arguments)
    header = f"{name}: {len(arguments)} operations, {per_operation:.1f} queries each\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"profile-{name}.txt").write_text(header + text)
    print(header + text)


def main() -> None:
    marker = read_marker("salon_bench")
    if marker is None:
        sys.exit("Run `make bench` first: it generates the salon_bench data set.")
    manager = manager_user()
    activate_rules()
    referred = new_client("Profile", referrer=new_client("ProfileReferrer"))
    with transaction.atomic():
        tickets = open_tickets(client=referred, count=OPERATIONS, lines=5, paid=True)
        profile("close", lambda ticket: ticket_close(ticket=ticket, user=manager), tickets)
        transaction.set_rollback(True)
    _, token = AuthToken.objects.create(manager)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    whale = marker["meta"]["whale"]["id"]
    profile(
        "rewards",
        lambda _: api.get(f"/api/v1/clients/{whale}/rewards/"),
        [None] * OPERATIONS,
    )
    profile(
        "idempotent-post",
        lambda number: api.post(
            "/api/v1/loyalty/adjustments/",
            {"client": referred.pk, "points": 1, "reason": "profile"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"profile-{os.getpid()}-{number}",
        ),
        list(range(OPERATIONS)),
    )


if __name__ == "__main__":
    main()
