"""SPEC §11 from the mobile apps' side: one salon day through HTTP only, asserting the
fixed paths, status codes and fields of the contract (and the R-numbers they carry)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.accounts.factories import FrontDeskFactory, ManagerFactory

CLIENT_FIELDS = {
    "id", "first_name", "last_name", "phone", "email", "sms_consent", "referred_by",
    "referral_code", "source", "profile_photo_url",
}  # fmt: skip
TICKET_FIELDS = {"id", "status", "total", "balance_due", "lines", "payments"}
REWARDS_FIELDS = {
    "pending_points", "redeemable_points", "redeemable_value", "min_redemption_points",
    "can_redeem",
}  # fmt: skip
ENTRY_FIELDS = {"points", "kind", "action", "created_at", "available_at", "memo", "ticket"}
RULE_FIELDS = {"action", "label", "active", "points", "spend_unit", "referrer_points"}
APPOINTMENT_FIELDS = {"id", "client", "item", "start", "source", "status", "prebooked"}
PAGE_FIELDS = {"count", "next", "previous", "results"}


def signed_in(username: str, password: str) -> APIClient:
    """An app signs in with the token endpoint and sends `Authorization: Token <key>`."""
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"token", "expiry"}  # R75
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


@pytest.mark.django_db
def test_a_salon_day_through_the_api(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    ManagerFactory(username="boss")
    FrontDeskFactory(username="desk")
    manager = signed_in("boss", "correct-horse-battery")
    desk = signed_in("desk", "correct-horse-battery")

    rules = manager.get("/api/v1/loyalty/rules/").json()
    rules = rules["results"] if isinstance(rules, dict) else rules
    assert len(rules) == 16 and all(set(rule) >= RULE_FIELDS for rule in rules)
    first_visit = next(rule for rule in rules if rule["action"] == "first_visit")
    assert first_visit["spend_unit"] is None and first_visit["referrer_points"] is None  # NA
    response = manager.patch(
        "/api/v1/loyalty/rules/service_purchase/",
        {"active": True, "points": 2, "spend_unit": "1.00"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["spend_unit"] == "1.00"
    assert desk.patch("/api/v1/loyalty/rules/service_purchase/", {}).status_code == 403

    response = manager.post(
        "/api/v1/items/", {"name": "Haircut", "kind": "service", "price": "100.00"}, format="json"
    )
    assert response.status_code == 201
    haircut = response.json()
    assert haircut["price"] == "100.00"  # R1: money is a string

    response = desk.post(
        "/api/v1/clients/",
        {"first_name": "Ann", "last_name": "Lee", "phone": "(202) 555-0101"},
        format="json",
    )
    assert response.status_code == 201, response.content
    ann = response.json()
    assert set(ann) >= CLIENT_FIELDS
    assert ann["phone"] == "+12025550101"  # R24: E.164
    listing = desk.get("/api/v1/clients/?search=555-0101").json()
    assert set(listing) == PAGE_FIELDS and [c["id"] for c in listing["results"]] == [ann["id"]]

    ticket = desk.post("/api/v1/tickets/", {"client": ann["id"]}, format="json")
    assert ticket.status_code == 201
    ticket = ticket.json()
    assert set(ticket) >= TICKET_FIELDS and ticket["status"] == "open"
    tickets = f"/api/v1/tickets/{ticket['id']}"
    response = desk.post(
        f"{tickets}/lines/", {"item": haircut["id"], "discount_percent": "10"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["net_amount"] == "90.00"  # R8
    response = desk.post(f"{tickets}/payments/", {"method": "card", "amount": "90.00"})
    assert response.status_code == 201
    response = desk.post(f"{tickets}/close/")
    assert response.status_code == 200
    assert response.json()["status"] == "closed" and response.json()["balance_due"] == "0.00"

    rewards = desk.get(f"/api/v1/clients/{ann['id']}/rewards/").json()
    assert set(rewards) >= REWARDS_FIELDS
    assert rewards["pending_points"] == 180  # R3, R8: floor(90.00 * 2 / 1.00)
    assert rewards["redeemable_points"] == 0
    assert rewards["min_redemption_points"] == 500 and rewards["can_redeem"] is False  # R19

    time_machine.shift(timedelta(hours=24))  # R15: the hold is over
    rewards = desk.get(f"/api/v1/clients/{ann['id']}/rewards/").json()
    assert (rewards["pending_points"], rewards["redeemable_points"]) == (0, 180)
    assert rewards["redeemable_value"] == "1.80"  # R2
    entries = desk.get(f"/api/v1/clients/{ann['id']}/rewards/entries/").json()
    assert set(entries) == PAGE_FIELDS
    [entry] = entries["results"]
    assert set(entry) >= ENTRY_FIELDS
    assert (entry["points"], entry["kind"], entry["ticket"]) == (180, "earn", ticket["id"])

    start = (timezone.now() + timedelta(days=2)).isoformat()
    response = desk.post(
        "/api/v1/appointments/",
        {"client": ann["id"], "item": haircut["id"], "start": start},
        format="json",
    )
    assert response.status_code == 201
    appointment = response.json()
    assert set(appointment) >= APPOINTMENT_FIELDS and appointment["status"] == "booked"
    response = desk.post(f"/api/v1/appointments/{appointment['id']}/confirm/")
    assert response.status_code == 200 and response.json()["status"] == "confirmed"


@pytest.mark.django_db
def test_the_client_app_signs_up_and_sees_only_its_own_data():
    response = APIClient().post(
        "/api/v1/signup/",
        {
            "first_name": "Bo",
            "last_name": "Ray",
            "phone": "+12025550199",
            "email": "bo@example.com",
            "password": "a-long-enough-secret",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "app"
    app = signed_in("bo@example.com", "a-long-enough-secret")

    me = app.get("/api/v1/me/")
    assert me.status_code == 200 and set(me.json()) >= CLIENT_FIELDS
    rewards = app.get("/api/v1/me/rewards/").json()
    assert set(rewards) >= REWARDS_FIELDS and rewards["pending_points"] == 0
    assert set(app.get("/api/v1/me/rewards/entries/").json()) == PAGE_FIELDS
    assert app.get("/api/v1/clients/").status_code == 403  # staff only (SPEC §10)
    assert APIClient().get("/api/v1/me/").status_code == 401
