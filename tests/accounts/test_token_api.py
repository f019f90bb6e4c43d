"""Token auth (SPEC §11): POST /api/v1/auth/token/ → {token}; logout; the throttle."""

import pytest
from django.conf import settings as django_settings
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.errors import InvalidCredentials
from tests.accounts.factories import UserFactory

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "correct-horse-battery"  # UserFactory's


@pytest.fixture
def staff_user(db):
    return UserFactory(username="jane", is_staff=True)


def test_right_credentials_give_a_token_that_authenticates(anonymous_api, staff_user):
    response = anonymous_api.post(TOKEN_URL, {"username": "jane", "password": PASSWORD})
    assert response.status_code == 200
    assert set(response.json()) == {"token", "expiry"}  # R75
    token = response.json()["token"]
    api = APIClient(headers={"Authorization": f"Token {token}"})
    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert api.post("/api/v1/auth/logout/").status_code == 401


def test_the_token_is_stored_hashed(anonymous_api, staff_user):
    token = anonymous_api.post(TOKEN_URL, {"username": "jane", "password": PASSWORD}).json()[
        "token"
    ]
    stored = AuthToken.objects.get(user=staff_user)
    assert token not in (stored.digest, stored.token_key)
    assert len(stored.digest) == 128  # sha512 hex


def test_signing_in_records_the_last_login(anonymous_api, staff_user):
    assert staff_user.last_login is None
    anonymous_api.post(TOKEN_URL, {"username": "jane", "password": PASSWORD})
    staff_user.refresh_from_db()
    assert staff_user.last_login is not None


@pytest.mark.parametrize(
    "username, password",
    [("jane", "wrong-password"), ("nobody", PASSWORD), ("JANE", PASSWORD)],
)
def test_wrong_credentials_are_400_with_a_clear_message(
    anonymous_api, staff_user, username, password
):
    response = anonymous_api.post(TOKEN_URL, {"username": username, "password": password})
    assert response.status_code == 400
    assert response.json() == {"detail": InvalidCredentials.message, "code": "invalid_credentials"}
    assert AuthToken.objects.count() == 0


def test_an_inactive_user_gets_no_token(anonymous_api, db):
    UserFactory(username="gone", is_active=False)
    response = anonymous_api.post(TOKEN_URL, {"username": "gone", "password": PASSWORD})
    assert response.status_code == 400
    assert response.json() == {"detail": InvalidCredentials.message, "code": "invalid_credentials"}
    assert AuthToken.objects.count() == 0


def test_missing_fields_are_named(anonymous_api, db):
    response = anonymous_api.post(TOKEN_URL, {"username": ""}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_client_app_users_sign_in_with_their_email_in_any_case(anonymous_api, db):
    UserFactory(username="ann@example.com")
    for typed in ("ann@example.com", "Ann@Example.COM"):
        response = anonymous_api.post(TOKEN_URL, {"username": typed, "password": PASSWORD})
        assert response.status_code == 200, typed


def test_an_inactive_users_token_stops_working(anonymous_api, staff_user):
    token = anonymous_api.post(TOKEN_URL, {"username": "jane", "password": PASSWORD}).json()[
        "token"
    ]
    staff_user.is_active = False
    staff_user.save()
    api = APIClient(headers={"Authorization": f"Token {token}"})
    assert api.post("/api/v1/auth/logout/").status_code == 401


def test_logout_all_ends_every_token_of_the_user(anonymous_api, staff_user):
    tokens = [
        anonymous_api.post(TOKEN_URL, {"username": "jane", "password": PASSWORD}).json()["token"]
        for _ in range(2)
    ]
    api = APIClient(headers={"Authorization": f"Token {tokens[0]}"})
    assert api.post("/api/v1/auth/logout-all/").status_code == 204
    assert AuthToken.objects.filter(user=staff_user).count() == 0


def test_the_eleventh_attempt_in_a_minute_is_429(anonymous_api, staff_user, time_machine):
    time_machine.move_to("2026-03-02 10:00:00Z", tick=False)
    # Ten different usernames: the throttle counts per address, whatever the username
    # (django-axes would lock one username out after AXES_FAILURE_LIMIT failures).
    for attempt in range(10):
        response = anonymous_api.post(TOKEN_URL, {"username": f"jane{attempt}", "password": "x"})
        assert response.status_code == 400
    response = anonymous_api.post(TOKEN_URL, {"username": "jane", "password": PASSWORD})
    assert response.status_code == 429
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    assert AuthToken.objects.count() == 0
    # A spoofed X-Forwarded-For is not a new client (API_NUM_PROXIES = 0).
    spoofed = anonymous_api.post(
        TOKEN_URL,
        {"username": "jane", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert spoofed.status_code == 429
    # Another client address is counted apart, and the minute passes.
    other = anonymous_api.post(
        TOKEN_URL, {"username": "jane", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert other.status_code == 200
    time_machine.shift(61)
    response = anonymous_api.post(TOKEN_URL, {"username": "jane", "password": PASSWORD})
    assert response.status_code == 200


def test_the_token_rate_comes_from_settings(anonymous_api, staff_user, settings):
    rates = {**django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth_token": "3/min"}
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    codes = [
        anonymous_api.post(TOKEN_URL, {"username": "jane", "password": PASSWORD}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
