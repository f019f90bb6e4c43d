"""Every POST honours Idempotency-Key (SPEC §11, R74: bookings and reservations too).

For each endpoint: the same key with the same body replays the first answer (same status,
the same body byte for byte, `Idempotent-Replayed: true`) and changes nothing more; the same
key with another body answers 422 and changes nothing.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from appointments.models import Appointment, ProductReservation
from clients.models import Client
from feedback.models import Feedback
from loyalty.adjustments import points_adjust
from loyalty.models import PointsEntry
from tests.clients.factories import ClientFactory
from tests.feedback.factories import FeedbackFactory, TicketRowFactory
from tests.tickets.factories import (
    closed_ticket,
    paid_ticket,
    product_item,
    service_item,
    ticket_with_lines,
)
from tickets.models import Payment, Ticket, TicketLine, TicketStatus


def world() -> dict:
    """What any of these requests can change, counted."""
    return {
        "tickets": Ticket.objects.count(),
        "closed": Ticket.objects.filter(status=TicketStatus.CLOSED).count(),
        "voided": Ticket.objects.filter(status=TicketStatus.VOIDED).count(),
        "lines": TicketLine.objects.count(),
        "payments": Payment.objects.count(),
        "points_entries": PointsEntry.objects.count(),
        "feedback": Feedback.objects.count(),
        "shared_feedback": Feedback.objects.filter(shared=True).count(),
        "merged_clients": Client.objects.filter(merged_into__isnull=False).count(),
        "appointments": Appointment.objects.count(),
        "reservations": ProductReservation.objects.count(),
        "clients": Client.objects.count(),
        "logins": Client.objects.filter(user__isnull=False).count(),
    }


def ticket_create(ctx):
    return "/api/v1/tickets/", {"client": ctx.customer.pk}, {"client": ClientFactory().pk}


def line_add(ctx):
    ticket = ticket_with_lines(client=ctx.customer)
    item = service_item()
    url = f"/api/v1/tickets/{ticket.pk}/lines/"
    return url, {"item": item.pk}, {"item": item.pk, "quantity": 2}


def payment_add(ctx):
    ticket = ticket_with_lines("100.00", client=ctx.customer)
    url = f"/api/v1/tickets/{ticket.pk}/payments/"
    return url, {"method": "cash", "amount": "10.00"}, {"method": "cash", "amount": "20.00"}


def settle(ctx):
    ticket = closed_ticket("100.00", client=ctx.customer)
    line = ticket.lines.get()
    changed = ctx.manager_api.patch(
        f"/api/v1/tickets/{ticket.pk}/lines/{line.pk}/",
        {"unit_price": "80.00", "reason": "price fixed"},
        format="json",
    )
    assert changed.status_code == 200
    body = {"method": "cash", "amount": "-20.00", "reason": "refund"}
    return f"/api/v1/tickets/{ticket.pk}/settle/", body, {**body, "amount": "-10.00"}


def redeem(ctx):
    points_adjust(client=ctx.customer, points=2000, reason="welcome", user=ctx.manager)
    ticket = ticket_with_lines("100.00", client=ctx.customer)
    return f"/api/v1/tickets/{ticket.pk}/redeem/", {"points": 600}, {"points": 700}


def close(ctx):
    ticket = paid_ticket("100.00", client=ctx.customer)
    return f"/api/v1/tickets/{ticket.pk}/close/", {}, {"note": "again"}


def void(ctx):
    ticket = ticket_with_lines("100.00", client=ctx.customer)
    return f"/api/v1/tickets/{ticket.pk}/void/", {"reason": "mistake"}, {"reason": "other"}


def adjustment(ctx):
    body = {"client": ctx.customer.pk, "points": 50, "reason": "goodwill"}
    return "/api/v1/loyalty/adjustments/", body, {**body, "points": 60}


def merge(ctx):
    url = f"/api/v1/clients/{ctx.customer.pk}/merge/"
    return url, {"duplicate": ClientFactory().pk}, {"duplicate": ClientFactory().pk}


def feedback_record(ctx):
    ticket = TicketRowFactory(client=ctx.customer)
    body = {"client": ctx.customer.pk, "ticket": ticket.pk, "rating": 5}
    return "/api/v1/feedback/", body, {**body, "rating": 4}


def feedback_share(ctx):
    feedback = FeedbackFactory(client=ctx.customer, share_permission=True)
    return f"/api/v1/feedback/{feedback.pk}/share/", {}, {"note": "again"}


def my_feedback_record(ctx):
    ticket = TicketRowFactory(client=ctx.customer)
    return "/api/v1/me/feedback/", {"ticket": ticket.pk, "rating": 5}, {"ticket": ticket.pk}


def _start(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0).isoformat()


def booking(ctx):
    body = {"client": ctx.customer.pk, "item": service_item().pk, "start": _start(2)}
    return "/api/v1/appointments/", body, {**body, "start": _start(3)}


def my_booking(ctx):
    body = {"item": service_item().pk, "start": _start(2)}
    return "/api/v1/me/appointments/", body, {**body, "start": _start(3)}


def reservation(ctx):
    body = {"client": ctx.customer.pk, "item": product_item().pk}
    return "/api/v1/reservations/", body, {**body, "quantity": 2}


def my_reservation(ctx):
    body = {"item": product_item().pk}
    return "/api/v1/me/reservations/", body, {**body, "quantity": 2}


def signup(ctx):
    body = {
        "first_name": "Bo",
        "last_name": "Ray",
        "phone": "+12025550177",
        "email": "bo@example.com",
        "password": "velvet-salon-42",
    }
    return "/api/v1/signup/", body, {**body, "first_name": "Bob"}


def signup_verify(ctx):
    ClientFactory(phone="+12025550178", email="")
    body = {
        "first_name": "Cy",
        "last_name": "Lo",
        "phone": "+12025550178",
        "email": "cy@example.com",
        "password": "velvet-salon-42",
    }
    with ctx.capture(execute=True):
        asked = ctx.anonymous_api.post("/api/v1/signup/", body, format="json")
    assert asked.status_code == 202
    code = re.search(r"\b(\d{6})\b", ctx.sms_outbox[-1].body).group(1)
    body = {"phone": "+12025550178", "code": code, "email": "cy@example.com"}
    body["password"] = "velvet-salon-42"
    return "/api/v1/signup/verify/", body, {**body, "email": "cy2@example.com"}


# (use case, who calls it, the request's setup)
ENDPOINTS = [
    ("ticket create", "manager_api", ticket_create),
    ("line add", "manager_api", line_add),
    ("payment add", "manager_api", payment_add),
    ("settle (R16)", "manager_api", settle),
    ("redeem (R19-R23)", "manager_api", redeem),
    ("close (R31)", "manager_api", close),
    ("void (R16)", "manager_api", void),
    ("points adjustment", "manager_api", adjustment),
    ("merge (R17)", "manager_api", merge),
    ("feedback (R37)", "manager_api", feedback_record),
    ("feedback share (R37)", "manager_api", feedback_share),
    ("my feedback (R37)", "client_api", my_feedback_record),
    ("booking (R74)", "manager_api", booking),
    ("online booking (R74)", "client_api", my_booking),
    ("reservation (R74)", "manager_api", reservation),
    ("my reservation (R74)", "client_api", my_reservation),
    ("sign-up (R74)", "anonymous_api", signup),
    ("sign-up verification (R74)", "anonymous_api", signup_verify),
]


class Context:
    def __init__(self, request):
        self.customer = request.getfixturevalue("customer")
        self.manager = request.getfixturevalue("manager")
        self.manager_api = request.getfixturevalue("manager_api")
        self.anonymous_api = request.getfixturevalue("anonymous_api")
        self.capture = request.getfixturevalue("django_capture_on_commit_callbacks")
        self.sms_outbox = request.getfixturevalue("sms_outbox")


@pytest.mark.parametrize("name, caller, setup", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_a_retry_with_the_same_key_replays_and_changes_nothing(
    name, caller, setup, request, all_features, client_user
):
    ctx = Context(request)
    api = request.getfixturevalue(caller)
    url, body, other_body = setup(ctx)
    headers = {"Idempotency-Key": f"retry-{name}"}

    first = api.post(url, body, format="json", headers=headers)
    assert first.status_code in (200, 201), first.json()
    after_first = world()
    again = api.post(url, body, format="json", headers=headers)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.content == first.content  # R74: byte for byte
    assert again["Idempotent-Replayed"] == "true"
    assert world() == after_first

    different = api.post(url, other_body, format="json", headers=headers)
    assert different.status_code == 422
    assert world() == after_first


def test_the_points_of_a_replayed_redemption_leave_once(
    manager_api, manager, customer, all_features
):
    points_adjust(client=customer, points=2000, reason="welcome", user=manager)
    ticket = ticket_with_lines("100.00", client=customer)
    headers = {"Idempotency-Key": "redeem-once"}
    for _ in range(3):
        response = manager_api.post(
            f"/api/v1/tickets/{ticket.pk}/redeem/", {"points": 600}, format="json", headers=headers
        )
        assert response.status_code == 201
    assert ticket.payments.get().amount == Decimal("6.00")
    redeemed = PointsEntry.objects.filter(client=customer, points__lt=0)
    assert [entry.points for entry in redeemed] == [-600]
