"""R75: what a client app needs — the active catalog, `?updated_since=` with `updated_at`,
sign-in with `{token, expiry}` and sliding expiry, and CORS for listed origins."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from catalog.models import Item, ItemKind
from tests.accounts.factories import FrontDeskFactory
from tests.clients.factories import ClientFactory
from tests.tickets.factories import service_item, ticket_with_lines

PASSWORD = "correct-horse-battery"


def test_a_client_app_user_reads_the_active_catalog_only(client_api):
    Item.objects.create(name="Haircut", kind=ItemKind.SERVICE, price=Decimal("40.00"))
    Item.objects.create(
        name="Old perm", kind=ItemKind.SERVICE, price=Decimal("90.00"), active=False
    )
    response = client_api.get("/api/v1/items/", {"active": "false"})
    assert response.status_code == 200
    assert [item["name"] for item in response.json()["results"]] == ["Haircut"]
    assert set(response.json()["results"][0]) >= {"id", "name", "kind", "price", "active"}
    assert not {"cost", "cost_price"} & set(response.json()["results"][0])
    created = client_api.post(
        "/api/v1/items/", {"name": "X", "kind": "service", "price": "1.00"}, format="json"
    )
    assert created.status_code == 403
    assert created.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    "path, make",
    [
        ("/api/v1/clients/", lambda: ClientFactory()),
        ("/api/v1/tickets/", lambda: ticket_with_lines("10.00")),
    ],
)
def test_lists_answer_only_what_changed_since_a_time(path, make, front_desk_api, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    old = make()
    time_machine.shift(timedelta(hours=1))
    since = timezone.now()
    new = make()
    listed = front_desk_api.get(path, {"updated_since": since.isoformat()}).json()["results"]
    ids = [row["id"] for row in listed]
    assert new.pk in ids and old.pk not in ids
    assert all(parse_datetime(row["updated_at"]) >= since for row in listed)
    everything = [row["id"] for row in front_desk_api.get(path).json()["results"]]
    assert {old.pk, new.pk} <= set(everything)


@pytest.mark.parametrize("change", ["line", "line change", "payment", "close", "void"])
def test_a_change_to_a_ticket_or_its_lines_or_payments_moves_its_updated_at(
    change, front_desk_api, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    ticket = ticket_with_lines("10.00")
    url = f"/api/v1/tickets/{ticket.pk}"
    if change == "close":
        front_desk_api.post(f"{url}/payments/", {"method": "cash", "amount": "10.00"})
    time_machine.shift(timedelta(hours=1))
    since = timezone.now()
    response = {
        "line": lambda: front_desk_api.post(f"{url}/lines/", {"item": service_item().pk}),
        "line change": lambda: front_desk_api.patch(
            f"{url}/lines/{ticket.lines.get().pk}/", {"quantity": 2}, format="json"
        ),
        "payment": lambda: front_desk_api.post(
            f"{url}/payments/", {"method": "cash", "amount": "5.00"}
        ),
        "close": lambda: front_desk_api.post(f"{url}/close/"),
        "void": lambda: front_desk_api.post(f"{url}/void/", {"reason": "typo"}),
    }[change]()
    assert response.status_code in (200, 201), response.content
    listed = front_desk_api.get("/api/v1/tickets/", {"updated_since": since.isoformat()})
    [row] = listed.json()["results"]
    assert row["id"] == ticket.pk and parse_datetime(row["updated_at"]) == since


@pytest.mark.parametrize("value", ["yesterday", "9999-12-31T23:59:59", "0001-01-01T00:00:00+01:00"])
@pytest.mark.parametrize("path", ["/api/v1/clients/", "/api/v1/appointments/", "/api/v1/tickets/"])
def test_a_bad_updated_since_is_400_naming_it(path, value, front_desk_api):
    """A time beyond the calendar's edge in UTC was a 500 (found by schemathesis)."""
    response = front_desk_api.get(path, {"updated_since": value})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_query_parameter"
    assert "`updated_since`" in response.json()["detail"]


def test_sign_in_answers_the_token_and_its_expiry_and_each_use_extends_it(
    db, settings, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    FrontDeskFactory(username="desk")
    signed_in = APIClient().post(
        "/api/v1/auth/token/", {"username": "desk", "password": PASSWORD}, format="json"
    )
    assert signed_in.status_code == 200
    body = signed_in.json()
    assert set(body) == {"token", "expiry"}
    assert settings.API_TOKEN_TTL_HOURS == 720
    assert parse_datetime(body["expiry"]) == timezone.now() + timedelta(hours=720)

    api = APIClient(headers={"Authorization": f"Token {body['token']}"})
    time_machine.shift(timedelta(hours=700))
    assert api.get("/api/v1/clients/").status_code == 200  # used: 720 more hours from now
    time_machine.shift(timedelta(hours=700))
    assert api.get("/api/v1/clients/").status_code == 200
    time_machine.shift(timedelta(hours=721))  # unused for longer than the TTL
    response = api.get("/api/v1/clients/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_cors_lets_listed_origins_call_the_api_and_no_one_by_default(front_desk_api, settings):
    origin = "https://app.example.com"
    preflight = {
        "HTTP_ORIGIN": origin,
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization, content-type, idempotency-key",
    }
    assert settings.CORS_ALLOWED_ORIGINS == []
    response = front_desk_api.options("/api/v1/tickets/", **preflight)
    assert "access-control-allow-origin" not in response.headers

    settings.CORS_ALLOWED_ORIGINS = [origin]
    response = front_desk_api.options("/api/v1/tickets/", **preflight)
    assert response.headers["access-control-allow-origin"] == origin
    assert "idempotency-key" in response.headers["access-control-allow-headers"]
    response = front_desk_api.get("/api/v1/clients/", HTTP_ORIGIN=origin)
    assert response.headers["access-control-allow-origin"] == origin
    assert "Idempotent-Replayed" in response.headers["access-control-expose-headers"]
    response = front_desk_api.get("/api/v1/clients/", HTTP_ORIGIN="https://evil.example")
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("path", ["/api/v1/appointments/", "/api/v1/reservations/"])
def test_a_client_filter_beyond_64_bits_is_no_500(path, front_desk_api):
    """Declared in the schema, `?client=` got fuzzed with huge numbers: SQLite overflowed."""
    response = front_desk_api.get(path, {"client": "9" * 30})
    assert response.status_code in (200, 400)
