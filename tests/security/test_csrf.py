"""CSRF on session-authenticated writes (SPEC §11 session auth, admin): refused without the
token. Token-authenticated API calls carry no ambient credential and need none."""

import pytest
from django.test import Client as BrowserClient
from knox.models import AuthToken
from rest_framework.test import APIClient

from clients.models import Client


@pytest.fixture
def session_api(manager):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(manager)
    return api


def test_an_api_post_with_a_session_and_no_csrf_token_is_403(session_api, customer):
    response = session_api.post("/api/v1/tickets/", {"client": customer.pk}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert customer.tickets.count() == 0


def test_an_api_patch_with_a_session_and_no_csrf_token_is_403(session_api, customer):
    response = session_api.patch(
        f"/api/v1/clients/{customer.pk}/", {"first_name": "Mallory"}, format="json"
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.first_name != "Mallory"


def test_an_api_post_with_a_session_and_its_csrf_token_goes_through(session_api, customer):
    session_api.get("/admin/")  # its logout form sets the csrftoken cookie, as in a browser
    token = session_api.cookies["csrftoken"].value
    response = session_api.post(
        "/api/v1/tickets/", {"client": customer.pk}, format="json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201


def test_a_token_authenticated_post_needs_no_csrf_token(manager, customer):
    api = APIClient(enforce_csrf_checks=True)
    _, token = AuthToken.objects.create(manager)
    response = api.post(
        "/api/v1/tickets/",
        {"client": customer.pk},
        format="json",
        headers={"Authorization": f"Token {token}"},
    )
    assert response.status_code == 201


def test_an_admin_post_without_csrf_token_is_403(manager):
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(manager)
    response = browser.post(
        "/admin/clients/client/add/", {"first_name": "Eve", "last_name": "Intruder"}
    )
    assert response.status_code == 403
    assert not Client.objects.filter(first_name="Eve").exists()


def test_the_admin_login_form_without_csrf_token_is_403(manager):
    browser = BrowserClient(enforce_csrf_checks=True)
    response = browser.post("/admin/login/", {"username": manager.username, "password": "x"})
    assert response.status_code == 403
