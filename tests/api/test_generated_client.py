"""R72: a Python client generated from the served schema (openapi-python-client, as a
mobile team would generate theirs) imports completely and runs the client-app journey and
a staff journey against the running app (live_server), through its typed models only.

The client is generated at test time into a temporary directory (a subprocess, bounded by
GENERATE_TIMEOUT_SECONDS); every module of it is imported. Any status the schema doesn't
declare raises (`raise_on_unexpected_status`), and every body is parsed into the generated
models, so a field the schema gets wrong (a "" where an enum is declared, a null where
a string is) fails here as it would in the app.
"""

import importlib
import json
import pkgutil
import subprocess
import sys
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from catalog.models import Item, ItemKind
from staff.services import Range, staff_hours_set
from tests.accounts.factories import FrontDeskFactory, ManagerFactory
from tests.clients.factories import ClientFactory
from tests.staff.factories import StaffFactory

GENERATE_TIMEOUT_SECONDS = 180
PACKAGE = "salon_client"
PASSWORD = "correct-horse-battery"
# A stored file answers in its own type (images, PDF); the generator reads those as bytes.
CONFIG = f"""package_name_override: {PACKAGE}
content_type_overrides:
  image/jpeg: application/octet-stream
  image/png: application/octet-stream
  image/gif: application/octet-stream
  image/webp: application/octet-stream
  application/pdf: application/octet-stream
"""

pytestmark = pytest.mark.generated_client


@pytest.fixture(scope="module")
def api(live_server, tmp_path_factory, django_db_blocker):
    """The generated package, imported (every module of it)."""
    workdir = tmp_path_factory.mktemp("generated-client")
    # The server thread may touch its database connection around a request (Django closes
    # stale ones), which pytest-django blocks outside a test's database fixture.
    with django_db_blocker.unblock():
        schema = httpx.get(f"{live_server.url}/api/schema/", params={"format": "json"}, timeout=30)
    assert schema.status_code == 200
    (workdir / "schema.json").write_text(schema.text)
    (workdir / "config.yaml").write_text(CONFIG)
    bin_dir = Path(sys.executable).parent
    # fmt: off
    command = [
        str(bin_dir / "openapi-python-client"), "generate",
        "--path", str(workdir / "schema.json"),
        "--config", str(workdir / "config.yaml"),
        "--output-path", str(workdir / PACKAGE),
        "--meta", "none",
        "--fail-on-warning",
    ]
    # fmt: on
    generated = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=GENERATE_TIMEOUT_SECONDS,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(workdir)},
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    sys.path.insert(0, str(workdir))
    try:
        package = importlib.import_module(PACKAGE)
        modules = [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.")
        ]
        yield Generated(package, modules)
    finally:
        sys.path.remove(str(workdir))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


class Generated:
    def __init__(self, package, modules):
        self.package = package
        self.modules = modules

    def call(self, tag: str, operation: str, **kwargs):
        """The operation's sync_detailed; the response with its parsed model."""
        module = importlib.import_module(f"{PACKAGE}.api.{tag}.{operation}")
        return module.sync_detailed(**kwargs)

    def model(self, name: str):
        return getattr(importlib.import_module(f"{PACKAGE}.models"), name)

    def anonymous(self, base_url):
        return self.package.Client(base_url=base_url, raise_on_unexpected_status=True)

    def signed_in(self, base_url, username, password):
        response = self.call(
            "auth",
            "sign_in",
            client=self.anonymous(base_url),
            body=self.model("TokenRequestRequest")(username=username, password=password),
        )
        assert response.status_code == 200, response.content
        assert response.parsed.expiry > timezone.now()  # R75
        return self.package.AuthenticatedClient(
            base_url=base_url,
            token=response.parsed.token,
            prefix="Token",
            raise_on_unexpected_status=True,
        )


def test_every_module_of_the_generated_client_imports(api):
    names = {module.__name__ for module in api.modules}
    assert f"{PACKAGE}.api.tickets.close_ticket" in names
    assert f"{PACKAGE}.api.me.list_my_rewards_entries" in names
    assert len([name for name in names if ".api." in name]) >= 60


@pytest.fixture
def salon(transactional_db, all_features):
    """What the staff set up beforehand: a catalog, staff logins, a stylist working every
    day from 9 to 5 and a referring client."""
    ManagerFactory(username="boss")
    FrontDeskFactory(username="desk")
    stylist = StaffFactory(name="Sam")
    staff_hours_set(
        staff=stylist, ranges=[Range(weekday, time(9), time(17)) for weekday in range(7)]
    )
    return {
        "stylist": stylist,
        "haircut": Item.objects.create(
            name="Haircut", kind=ItemKind.SERVICE, price=Decimal("40.00")
        ),
        "referrer": ClientFactory(first_name="Alice", phone="+12025550101"),
    }


def _staff_checkout(api, base_url, *, client_id, item_id, staff_id, key):
    """At the desk: a ticket for the client, a $40 line, a $6 tip for the stylist, 500
    points ($5) with a key (retried), the rest ($41) in cash from a $50 note, close.
    Returns (ticket id, the redemption's two answers, the cash payment)."""
    desk = api.signed_in(base_url, "desk", PASSWORD)
    ticket = api.call(
        "tickets",
        "create_ticket",
        client=desk,
        body=api.model("TicketOpenRequest")(client=client_id),
    ).parsed
    line = api.call(
        "tickets",
        "create_ticket_line",
        client=desk,
        ticket_id=ticket.id,
        body=api.model("LineAddRequest")(item=item_id),
    )
    assert line.status_code == 201 and line.parsed.net_amount == "40.00"
    tip = api.call(
        "tickets",
        "create_ticket_tip",
        client=desk,
        ticket_id=ticket.id,
        body=api.model("TipAddRequest")(amount="6.00", staff=staff_id),
        idempotency_key=f"{key}-tip",
    )
    assert tip.status_code == 201 and (tip.parsed.amount, tip.parsed.staff_name) == ("6.00", "Sam")
    redemptions = [
        api.call(
            "tickets",
            "redeem_ticket",
            client=desk,
            id=ticket.id,
            body=api.model("RedeemRequest")(points=500),
            idempotency_key=key,
        )
        for _ in range(2)
    ]
    cash = api.call(
        "tickets",
        "create_ticket_payment",
        client=desk,
        ticket_id=ticket.id,
        body=api.model("PaymentAddRequest")(
            method=api.model("PaymentAddMethodEnum")("cash"), amount="41.00", tendered="50.00"
        ),
    )
    assert cash.status_code == 201, cash.content
    closed = api.call("tickets", "close_ticket", client=desk, id=ticket.id)
    assert closed.status_code == 200 and closed.parsed.status.value == "closed"
    assert (closed.parsed.total, closed.parsed.tips, closed.parsed.balance_due) == (
        "46.00",
        "6.00",
        "0.00",
    )
    return ticket.id, redemptions, cash.parsed


def test_the_client_app_journey(api, salon, live_server):
    base_url = live_server.url
    signed_up = api.call(
        "signup",
        "sign_up",
        client=api.anonymous(base_url),
        body=api.model("SignupRequest")(
            first_name="Bo",
            last_name="Ray",
            phone="(202) 555-0199",
            email="bo@example.com",
            password="a-long-enough-secret",
            referral_code=salon["referrer"].referral_code,
        ),
    )
    assert signed_up.status_code == 201, signed_up.content
    me = signed_up.parsed
    assert me.referred_by == salon["referrer"].pk and me.source.value == "app"
    app = api.signed_in(base_url, "bo@example.com", "a-long-enough-secret")

    manager = api.signed_in(base_url, "boss", PASSWORD)
    adjusted = api.call(
        "loyalty",
        "create_loyalty_adjustment",
        client=manager,
        body=api.model("AdjustmentRequest")(client=me.id, points=1000, reason="welcome"),
    )
    assert adjusted.status_code == 201
    ticket_id, _, _ = _staff_checkout(
        api,
        base_url,
        client_id=me.id,
        item_id=salon["haircut"].pk,
        staff_id=salon["stylist"].pk,
        key="bo-redeem-1",
    )

    rewards = api.call("me", "get_my_rewards", client=app).parsed
    assert rewards.redeemable_points == 500  # 1000 adjusted - 500 redeemed
    entries = api.call("me", "list_my_rewards_entries", client=app).parsed.results
    by_kind = {entry.kind.value: entry for entry in entries}
    assert (by_kind["manual"].points, by_kind["manual"].action) == (1000, None)
    assert (by_kind["redeem"].points, by_kind["redeem"].action) == (-500, None)

    items = api.call("items", "list_items", client=app).parsed.results
    assert [(item.name, item.price) for item in items] == [("Haircut", "40.00")]

    day = timezone.localdate() + timedelta(days=2)
    slots = api.call(
        "availability", "list_availability", client=app, item=items[0].id, date=day
    ).parsed
    assert slots and {slot.staff_name for slot in slots} == {"Sam"}  # R42
    booking = api.model("MyAppointmentBookRequest")(
        item=items[0].id, start=slots[0].start, staff=slots[0].staff
    )
    booked, retried = (
        api.call(
            "me", "create_my_appointment", client=app, body=booking, idempotency_key="bo-book-1"
        )
        for _ in range(2)
    )
    assert booked.status_code == retried.status_code == 201, booked.content
    assert retried.content == booked.content  # R74: a retried booking books once
    assert booked.parsed.status.value == "booked" and booked.parsed.source.value == "app"
    assert booked.parsed.start == slots[0].start and booked.parsed.staff == slots[0].staff
    assert len(api.call("me", "list_my_appointments", client=app).parsed.results) == 1
    cancelled = api.call("me", "cancel_my_appointment", client=app, id=booked.parsed.id)
    assert cancelled.status_code == 200 and cancelled.parsed.status.value == "cancelled"

    feedback = api.call(
        "me",
        "create_my_feedback",
        client=app,
        body=api.model("MyFeedbackRecordRequest")(ticket=ticket_id, rating=5, comment="Lovely"),
    )
    assert feedback.status_code == 201, feedback.content
    assert feedback.parsed.rating == 5


def test_the_staff_journey(api, salon, live_server):
    base_url = live_server.url
    customer = ClientFactory(first_name="Cara", phone="+12025550142")
    manager = api.signed_in(base_url, "boss", PASSWORD)
    api.call(
        "loyalty",
        "create_loyalty_adjustment",
        client=manager,
        body=api.model("AdjustmentRequest")(client=customer.pk, points=800, reason="welcome"),
    )
    desk = api.signed_in(base_url, "desk", PASSWORD)
    found = api.call("clients", "list_clients", client=desk, search="555-0142").parsed
    assert [client.id for client in found.results] == [customer.pk]

    ticket_id, (first, replay), cash = _staff_checkout(
        api,
        base_url,
        client_id=customer.pk,
        item_id=salon["haircut"].pk,
        staff_id=salon["stylist"].pk,
        key="cara-redeem",
    )
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.content == first.content  # R74: byte for byte
    assert first.parsed.points == 500 and first.parsed.amount == "5.00"

    ticket = api.call("tickets", "get_ticket", client=desk, id=ticket_id).parsed
    assert [payment.method.value for payment in ticket.payments] == ["points", "cash"]
    assert (cash.amount, cash.tendered, cash.change) == ("41.00", "50.00", "9.00")  # R47

    receipt = api.call("tickets", "get_ticket_receipt", client=desk, id=ticket_id).parsed
    assert receipt.client == f"Cara {customer.last_name}"
    assert [(line.item, line.staff, line.net) for line in receipt.lines] == [
        ("Haircut", None, "40.00")
    ]
    assert (receipt.tips, receipt.total, receipt.tendered, receipt.change) == (
        "6.00",
        "46.00",
        "50.00",
        "9.00",
    )
    assert [(payment.method, payment.amount, payment.points) for payment in receipt.payments] == [
        ("points", "5.00", 500),
        ("cash", "41.00", None),
    ]
    assert receipt.points.redeemable == 300  # R49: the balance after this ticket
    rewards = api.call("clients", "get_client_rewards", client=desk, id=customer.pk).parsed
    assert rewards.redeemable_points == 300

    since = timezone.now() - timedelta(minutes=5)
    changed = api.call("tickets", "list_tickets", client=desk, updated_since=since).parsed
    assert ticket_id in [row.id for row in changed.results]
    assert json.loads(replay.content)["points"] == 500
