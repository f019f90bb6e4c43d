"""Authorization sweep (SPEC §10, §11): every API URL and every admin page of our apps, as
anonymous, Client A (a client-app user), Front desk and Manager.

The API's URL names are discovered from the URL resolver, and so are their HTTP methods:
a new endpoint or method without an expectation below fails the sweep. Expected answers:
- anonymous → 401 (except the endpoints anyone may call);
- Client A → 403 on staff endpoints; 404 for Client B's objects under /me/;
- Front desk → 403 on the Manager's actions;
- a role that may → the request reaches the view: exactly 200 for a GET, for a write
  anything but 401/403/5xx (the body may still be refused with a 400 or 404).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from catalog.services import tax_rate_create
from clients.models import ClientFile
from clients.uploads import client_file_upload
from loyalty.models import Promotion, Tier
from tests.appointments.factories import AppointmentFactory, ProductReservationFactory
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory, image_bytes, upload
from tests.feedback.factories import FeedbackFactory, TicketRowFactory
from tests.staff.factories import ScheduleExceptionFactory, StaffFactory
from tests.tickets.factories import closed_ticket, ticket_with_lines
from tickets.payments import payment_add
from tickets.tips import tip_add

ROLES = ("anonymous", "client_a", "front_desk", "manager")
OK = "reaches the view"


def expect(anonymous=401, client_a=403, front_desk=OK, manager=OK):
    return dict(zip(ROLES, (anonymous, client_a, front_desk, manager), strict=True))


STAFF = expect()
MANAGER = expect(front_desk=403)
CLIENT = expect(client_a=OK, front_desk=403, manager=403)
CLIENT_B_OBJECT = expect(client_a=404, front_desk=403, manager=403)  # ids are B's
ANYONE = expect(anonymous=OK, client_a=OK)
SIGNED_IN = expect(client_a=OK)
SIGNED_WEBHOOK = expect(anonymous=403, client_a=403, front_desk=403, manager=403)

# One dict per URL name: its kwargs (from the objects below), then per method who may.
API = {
    "features": {"get": STAFF, "patch": MANAGER},
    "salon-settings": {"get": STAFF, "patch": MANAGER, "body": {"receipt_footer": "Thanks!"}},
    "tax-rate-list": {"get": STAFF, "post": MANAGER, "body": {"name": "Tax", "percent": "5"}},
    "tax-rate-detail": {
        "kwargs": "tax_rate",
        "get": STAFF,
        "patch": MANAGER,
        "body": {"percent": "6"},
    },
    "auth-token": {"post": ANYONE},
    "auth-logout": {"post": SIGNED_IN},
    "auth-logout-all": {"post": SIGNED_IN},
    "signup": {"post": ANYONE},
    "signup-verify": {"post": ANYONE},
    "me": {"get": CLIENT, "patch": CLIENT},
    "me-email-verify": {"post": CLIENT},
    "client-list": {"get": STAFF, "post": STAFF},
    "client-detail": {"kwargs": "client", "get": STAFF, "patch": STAFF},
    "client-merge": {"kwargs": "client", "post": MANAGER, "body": {"duplicate": "other_client"}},
    "client-file-list": {"kwargs": "client", "get": STAFF, "post": STAFF},
    "client-file-detail": {"kwargs": "client_file", "get": STAFF, "delete": STAFF},
    "client-file-download": {"kwargs": "client_file", "get": STAFF},
    "me-file-list": {"get": CLIENT},
    "me-file-download": {"kwargs": "my_file", "get": CLIENT_B_OBJECT},
    "item-list": {"get": SIGNED_IN, "post": MANAGER},  # R75: the client app reads the catalog
    "sms-inbound": {"post": SIGNED_WEBHOOK},
    "appointment-list": {"get": STAFF, "post": STAFF},
    "appointment-detail": {"kwargs": "appointment", "get": STAFF, "patch": STAFF},
    "availability": {"get": SIGNED_IN, "body": {"item": "service_item", "date": "2026-12-01"}},
    "staff-list": {"get": STAFF, "post": MANAGER, "body": {"name": "Rita"}},
    "staff-detail": {"kwargs": "staff", "get": STAFF, "patch": MANAGER},
    "staff-hours": {"kwargs": "staff", "get": STAFF, "put": MANAGER},
    "staff-exceptions": {"kwargs": "staff", "get": STAFF, "post": MANAGER},
    "staff-exception-delete": {"kwargs": "staff_exception", "delete": MANAGER},
    "appointment-cancel": {"kwargs": "appointment", "post": STAFF},
    "appointment-check-in": {"kwargs": "appointment", "post": STAFF},
    "appointment-confirm": {"kwargs": "appointment", "post": STAFF},
    "appointment-no-show": {"kwargs": "appointment", "post": STAFF},
    "reservation-list": {"get": STAFF, "post": STAFF},
    "reservation-detail": {"kwargs": "reservation", "get": STAFF},
    "reservation-cancel": {"kwargs": "reservation", "post": STAFF},
    "my-appointment-list": {"get": CLIENT, "post": CLIENT},
    "my-appointment-detail": {"kwargs": "appointment", "get": CLIENT_B_OBJECT},
    "my-appointment-cancel": {"kwargs": "appointment", "post": CLIENT_B_OBJECT},
    "my-reservation-list": {"get": CLIENT, "post": CLIENT},
    "my-reservation-detail": {"kwargs": "reservation", "get": CLIENT_B_OBJECT},
    "ticket-list": {"get": STAFF, "post": STAFF},
    "ticket-detail": {
        "kwargs": "open_ticket",
        "get": STAFF,
        "patch": STAFF,
        "body": {"client": "client"},
    },
    "ticket-tips": {"kwargs": "open_ticket_lines", "post": STAFF, "body": {"amount": "5.00"}},
    "ticket-tip-detail": {"kwargs": "open_tip", "delete": STAFF},
    "ticket-receipt": {"kwargs": "closed_ticket_receipt", "get": STAFF},
    "ticket-receipt-send": {
        "kwargs": "closed_ticket_receipt",
        "post": STAFF,
        "body": {"channel": "email"},
    },
    "ticket-lines": {"kwargs": "open_ticket_lines", "post": STAFF},
    # A closed ticket's lines, void and settlement are the Manager's (R16).
    "ticket-line-detail": {
        "kwargs": "closed_line",
        "patch": MANAGER,
        "delete": MANAGER,
        "body": {"unit_price": "80.00", "reason": "price fixed"},
    },
    "ticket-payments": {"kwargs": "open_ticket_lines", "post": STAFF},
    "ticket-payment-detail": {"kwargs": "open_payment", "delete": STAFF},
    "ticket-close": {"kwargs": "open_ticket", "post": STAFF},
    "ticket-void": {"kwargs": "closed_ticket", "post": MANAGER, "body": {"reason": "refund"}},
    "ticket-settle": {
        "kwargs": "closed_ticket",
        "post": MANAGER,
        "body": {"method": "cash", "amount": "-1.00", "reason": "refund"},
    },
    "feedback-list": {"get": STAFF, "post": STAFF},
    "feedback-detail": {"kwargs": "feedback", "get": STAFF},
    "feedback-share": {"kwargs": "feedback", "post": MANAGER},
    "my-feedback-list": {"get": CLIENT, "post": CLIENT},
    "loyalty-rules": {"get": STAFF},
    "loyalty-rule-detail": {
        "kwargs": "rule",
        "get": STAFF,
        "patch": MANAGER,
        "body": {"active": True, "points": 2},
    },
    "loyalty-settings": {"get": STAFF, "patch": MANAGER, "body": {"min_redemption_dollars": 5}},
    "loyalty-adjustments": {
        "post": MANAGER,
        "body": {"client": "client", "points": 5, "reason": "goodwill"},
    },
    "client-rewards": {"kwargs": "client", "get": STAFF},
    "client-log": {"kwargs": "client", "get": STAFF},
    "client-rewards-entries": {"kwargs": "client", "get": STAFF},
    "ticket-redeem": {"kwargs": "open_ticket_redeem", "post": STAFF},
    "ticket-redeemable": {"kwargs": "open_ticket_redeem", "get": STAFF},
    "ticket-redeem-code": {"kwargs": "open_ticket_redeem", "post": STAFF},
    "my-rewards": {"get": CLIENT},
    "reports-loyalty": {"get": MANAGER, "body": {"from": "2026-01-01", "to": "2026-03-31"}},
    "my-rewards-entries": {"get": CLIENT},
    "loyalty-tiers": {
        "get": STAFF,
        "post": MANAGER,
        "body": {"name": "Platinum", "min_spend": "5000.00"},
    },
    "loyalty-tier": {
        "kwargs": "tier",
        "get": STAFF,
        "patch": MANAGER,
        "delete": MANAGER,
        "body": {"multiplier": "1.10"},
    },
    "loyalty-promotions": {
        "get": STAFF,
        "post": MANAGER,
        "body": {
            "name": "Bonus week",
            "starts_on": "2026-06-01",
            "ends_on": "2026-06-07",
            "actions": ["product_purchase"],
            "bonus_points": 50,
        },
    },
    "loyalty-promotion": {
        "kwargs": "promotion",
        "get": STAFF,
        "patch": MANAGER,
        "delete": MANAGER,
        "body": {"max_per_client": 3},
    },
    "client-tier": {
        "kwargs": "client",
        "post": MANAGER,
        "body": {"tier": "tier_pk", "reason": "Owner's friend"},
    },
}


def api_url_names() -> dict[str, set[str]]:
    """Every named URL under /api/v1/ with the HTTP methods its view answers."""
    found = {}

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
                found[pattern.name] = _methods(pattern.callback)

    walk(get_resolver().url_patterns, "")
    return found


def _methods(callback) -> set[str]:
    if getattr(callback, "actions", None):  # a ViewSet route
        return set(callback.actions) - {"head"}
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view is None:  # a plain function view: the webhook
        return {"post"}
    return {m for m in view.http_method_names if hasattr(view, m)} - {"head", "options"}


def test_every_api_url_and_method_has_an_expectation():
    discovered = api_url_names()
    assert set(discovered) == set(API), "add the new endpoint to API with who may call it"
    for name, methods in discovered.items():
        assert methods == set(API[name]) - {"kwargs", "body"}, name


@pytest.fixture
def objects(db, all_features, customer, client_user, manager):
    """Client A is `customer` (logged in as `client_user`); everything else is Client B's."""
    client_b = ClientFactory()
    b_file = client_file_upload(client=client_b, uploaded_file=upload("b.png", image_bytes()))
    open_ticket = ticket_with_lines("100.00", client=client_b)
    payment_add(ticket=open_ticket, method="cash", amount="10.00")
    tip = tip_add(ticket=open_ticket, amount="5.00")
    closed = closed_ticket("100.00", client=client_b)
    feedback_ticket = TicketRowFactory(client=client_b)
    silver = Tier.objects.create(
        name="Silver", min_spend=Decimal("1000.00"), keep_spend=Decimal("1000.00")
    )
    promotion = Promotion.objects.create(
        name="Double week",
        starts_on=date(2026, 6, 1),
        ends_on=date(2026, 6, 7),
        actions=["service_purchase"],
        multiplier=Decimal("2.00"),
    )
    stylist = StaffFactory(name="Sam")
    day_off = ScheduleExceptionFactory(staff=stylist)
    return {
        "client": {"client_id": client_b.pk},
        "other_client": ClientFactory().pk,
        "client_file": {"client_id": client_b.pk, "file_id": b_file.pk},
        "my_file": {"file_id": b_file.pk},
        "appointment": {"pk": AppointmentFactory(client=client_b).pk},
        "reservation": {"pk": ProductReservationFactory(client=client_b).pk},
        "open_ticket": {"pk": open_ticket.pk},
        "open_ticket_lines": {"ticket_pk": open_ticket.pk},
        "open_ticket_redeem": {"ticket_id": open_ticket.pk},
        "open_payment": {"ticket_pk": open_ticket.pk, "payment_pk": open_ticket.payments.get().pk},
        "closed_ticket": {"pk": closed.pk},
        "closed_ticket_receipt": {"ticket_id": closed.pk},
        "open_tip": {"ticket_pk": open_ticket.pk, "tip_pk": tip.pk},
        "tax_rate": {"pk": tax_rate_create(name="Sales", percent="8.875").pk},
        "closed_line": {"ticket_pk": closed.pk, "line_pk": closed.lines.get().pk},
        "feedback": {
            "pk": FeedbackFactory(ticket=feedback_ticket, share_permission=True).pk,
        },
        "rule": {"action": "service_purchase"},
        "tier": {"tier_id": silver.pk},
        "tier_pk": silver.pk,
        "promotion": {"promotion_id": promotion.pk},
        "service_item": ItemFactory(kind="service").pk,
        "staff": {"pk": stylist.pk},
        "staff_exception": {"pk": stylist.pk, "exception_id": day_off.pk},
    }


@pytest.fixture
def callers(client_user, front_desk, manager):
    apis = {"anonymous": APIClient()}
    for role, user in (("client_a", client_user), ("front_desk", front_desk), ("manager", manager)):
        _, token = AuthToken.objects.create(user)  # a real token: logout ends it
        apis[role] = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    return apis


def _body(spec, objects):
    body = dict(spec.get("body", {}))
    for field, value in body.items():
        if isinstance(value, str) and value in objects:
            body[field] = objects[value]["client_id"] if field == "client" else objects[value]
    return body


@pytest.mark.parametrize(
    "name, method",
    [(name, m) for name, spec in API.items() for m in spec if m not in ("kwargs", "body")],
)
def test_each_role_gets_exactly_what_section_10_says(name, method, objects, callers):
    spec = API[name]
    url = reverse(name, kwargs=objects[spec["kwargs"]] if "kwargs" in spec else None)
    answers = {}
    for role in ROLES:  # the Manager last: its writes can't hide another role's refusal
        response = getattr(callers[role], method)(url, _body(spec, objects), format="json")
        answers[role] = response.status_code
    expected = {}
    for role, wanted in spec[method].items():
        if wanted != OK:
            expected[role] = wanted
        elif method == "get":
            expected[role] = 200
        else:
            expected[role] = answers[role] if answers[role] not in (401, 403) else "not 401/403"
        assert answers[role] < 500, (role, answers[role])
    assert answers == expected


def test_client_a_never_sees_client_b_in_own_lists(objects, customer, callers):
    b_appointment = objects["appointment"]["pk"]
    a_appointment = AppointmentFactory(client=customer).pk
    a_reservation = ProductReservationFactory(client=customer).pk
    api = callers["client_a"]
    listed = {
        "my-appointment-list": {
            row["id"] for row in api.get(reverse("my-appointment-list")).json()["results"]
        },
        "my-reservation-list": {
            row["id"] for row in api.get(reverse("my-reservation-list")).json()["results"]
        },
        "me-file-list": {row["id"] for row in api.get(reverse("me-file-list")).json()["results"]},
        "my-feedback-list": {
            row["id"] for row in api.get(reverse("my-feedback-list")).json()["results"]
        },
        "my-rewards-entries": {
            row["id"] for row in api.get(reverse("my-rewards-entries")).json()["results"]
        },
    }
    assert listed == {
        "my-appointment-list": {a_appointment},
        "my-reservation-list": {a_reservation},
        "me-file-list": set(),
        "my-feedback-list": set(),
        "my-rewards-entries": set(),
    }
    assert b_appointment not in listed["my-appointment-list"]
    assert ClientFile.objects.count() == 1  # B's file exists, and is not listed for A
    assert api.get(reverse("me")).json()["id"] == customer.pk
