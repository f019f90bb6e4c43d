"""What the API fuzzing (test_fuzzing.py) found, each pinned by a test (SPEC §11)."""

import json

import pytest
from django.test import Client as BrowserClient

from tests.tickets.factories import TicketFactory

HUGE_ID = 3182900679327426543083148103647232  # beyond 64-bit integers


@pytest.fixture
def schema(anonymous_api, db):
    return json.loads(anonymous_api.get("/api/schema/", {"format": "json"}).content)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method, path",
    [
        ("delete", f"/api/v1/tickets/{HUGE_ID}/lines/217/"),  # was 500 (OverflowError)
        ("delete", f"/api/v1/tickets/1/payments/{HUGE_ID}/"),
        ("post", f"/api/v1/tickets/{HUGE_ID}/redeem/"),
        ("get", f"/api/v1/clients/{HUGE_ID}/files/"),
        ("post", "/api/v1/tickets/true/close/"),  # was 500 (ValueError in the lookup)
        ("post", "/api/v1/tickets/null/settle/"),
        ("get", f"/api/v1/appointments/{HUGE_ID}/"),
    ],
)
def test_an_id_that_is_not_a_64_bit_number_is_not_found(manager_api, method, path):
    assert getattr(manager_api, method)(path).status_code == 404


def test_a_client_user_cancelling_a_non_numeric_appointment_gets_404(client_api):
    response = client_api.post("/api/v1/me/appointments/%C2%8D%C3%84m/cancel/")
    assert response.status_code == 404  # was 500


def test_a_numeric_id_still_reaches_the_view(manager_api):
    ticket = TicketFactory()
    assert manager_api.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200


def test_profile_photo_url_is_documented_as_nullable(schema):
    client_schema = schema["components"]["schemas"]["Client"]["properties"]
    assert client_schema["profile_photo_url"]["nullable"] is True  # /me/ answered null


def test_error_answers_are_documented(schema):
    close = schema["paths"]["/api/v1/tickets/{id}/close/"]["post"]["responses"]
    assert {"200", "401", "403", "404", "409", "415", "422"} <= set(close)
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert {"200", "400", "429"} <= set(token)
    assert "401" not in token  # anyone may ask for a token
    appointments = schema["paths"]["/api/v1/appointments/"]["get"]["responses"]
    assert {"200", "400", "401", "403", "404"} <= set(appointments)  # 404: ?page=999


def test_ids_in_paths_are_integers_in_the_schema(schema):
    parameters = schema["paths"]["/api/v1/tickets/{ticket_id}/lines/{id}/"]["delete"]
    types = {p["name"]: p["schema"]["type"] for p in parameters["parameters"] if p["in"] == "path"}
    assert types == {"ticket_id": "integer", "id": "integer"}


@pytest.mark.parametrize("path", ["clients/client", "tickets/ticket", "loyalty/pointsentry"])
def test_the_admin_answers_an_id_beyond_64_bits_without_a_500(manager, path):
    browser = BrowserClient()
    browser.force_login(manager)
    response = browser.get(f"/admin/{path}/{HUGE_ID}/change/")
    assert response.status_code == 302  # "doesn't exist", back to the admin index
