"""Brute force: django-axes locks a username at an address after AXES_FAILURE_LIMIT failed
sign-ins (admin login and API token alike), for AXES_COOLOFF_MINUTES; the token endpoint is
also throttled per address (tests/accounts/test_token_api.py). Counts live in the cache,
which production shares between processes (Redis, CACHE_URL): proven below on Redis."""

import uuid
from datetime import timedelta

import pytest
import redis
from axes.handlers.cache import AxesCacheHandler
from axes.handlers.proxy import AxesProxyHandler
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from django.test import Client as BrowserClient
from django.test import RequestFactory
from knox.models import AuthToken
from rest_framework.request import Request
from rest_framework.test import APIClient

from accounts.api.views import TokenCreateView
from accounts.errors import SignInLocked
from salon.api.throttling import ScopedRateThrottle
from tests.accounts.factories import ManagerFactory, UserFactory

PASSWORD = "correct-horse-battery"
TOKEN_URL = "/api/v1/auth/token/"
REDIS_URL = "redis://127.0.0.1:6379/15"


def admin_login(browser, username, password, **extra):
    return browser.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, **extra
    )


@pytest.fixture
def staff(db):
    return ManagerFactory(username="jane")


def test_the_admin_login_locks_after_five_failures_per_username_and_address(staff):
    browser = BrowserClient()
    codes = [admin_login(browser, "jane", "wrong").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]  # the form again, then the lockout
    locked = admin_login(browser, "jane", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in browser.session
    # The same username from another address, and another username here, are not locked.
    elsewhere = admin_login(BrowserClient(), "jane", PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert elsewhere.status_code == 302
    ManagerFactory(username="maria")
    assert admin_login(BrowserClient(), "maria", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cooloff(staff, time_machine):
    time_machine.move_to("2026-03-02 10:00:00Z", tick=False)
    for _ in range(5):
        admin_login(BrowserClient(), "jane", "wrong")
    time_machine.shift(timedelta(minutes=29))
    assert admin_login(BrowserClient(), "jane", PASSWORD).status_code == 429
    time_machine.shift(timedelta(minutes=31))
    assert admin_login(BrowserClient(), "jane", PASSWORD).status_code == 302


def test_an_operator_unlocks_a_username_at_an_address(staff):
    for _ in range(5):
        admin_login(BrowserClient(), "jane", "wrong")
    call_command("axes_reset_ip_username", "127.0.0.1", "jane")  # README: unlocking
    assert admin_login(BrowserClient(), "jane", PASSWORD).status_code == 302


def test_the_failure_limit_is_a_setting(staff, settings):
    settings.AXES_FAILURE_LIMIT = 2
    codes = [admin_login(BrowserClient(), "jane", "wrong").status_code for _ in range(2)]
    assert codes == [200, 429]


def test_the_api_token_endpoint_locks_too(db):
    user = UserFactory(username="ann@example.com", email="ann@example.com")
    api = APIClient()
    for _ in range(5):
        response = api.post(TOKEN_URL, {"username": user.username, "password": "wrong"})
    assert response.status_code == 429
    response = api.post(TOKEN_URL, {"username": user.username, "password": PASSWORD})
    assert (response.status_code, response.json()) == (
        429,
        {"detail": SignInLocked.message, "code": "too_many_attempts"},
    )
    assert AuthToken.objects.count() == 0
    other = APIClient(REMOTE_ADDR="198.51.100.7")
    assert (
        other.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}).status_code == 200
    )


def test_a_good_sign_in_clears_earlier_failures(staff):
    for _ in range(4):
        admin_login(BrowserClient(), "jane", "wrong")
    assert admin_login(BrowserClient(), "jane", PASSWORD).status_code == 302
    codes = [admin_login(BrowserClient(), "jane", "wrong").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 200]  # AXES_RESET_ON_SUCCESS: counting starts again


# --- the shared cache: two processes, each with its own Redis client -------------------


@pytest.fixture
def two_redis_clients():
    """Two independent cache clients (connection pools) on one Redis: what two web processes
    have. Skipped only when Redis is not running (it runs here and in CI)."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    params = {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    clients = RedisCache(REDIS_URL, params), RedisCache(REDIS_URL, params)
    assert clients[0]._cache is not clients[1]._cache
    yield clients
    clients[0].clear()


def _login_request(username):
    request = RequestFactory().post("/admin/login/", {"username": username})
    AxesProxyHandler.update_request(request)
    return request


def test_axes_failures_counted_by_two_processes_add_up_on_redis(two_redis_clients, settings):
    process_a, process_b = AxesCacheHandler(), AxesCacheHandler()
    process_a.cache, process_b.cache = two_redis_clients
    credentials = {"username": "jane"}
    for handler in (process_a, process_b, process_a, process_b):
        handler.user_login_failed(None, credentials, _login_request("jane"))
        assert not process_b.is_locked(_login_request("jane"), credentials)
    process_a.user_login_failed(None, credentials, _login_request("jane"))  # the fifth
    assert process_b.is_locked(_login_request("jane"), credentials)
    assert process_a.get_failures(_login_request("jane"), credentials) == 5


def test_api_throttle_counts_of_two_processes_add_up_on_redis(two_redis_clients):

    view = TokenCreateView()
    allowed = []
    for attempt in range(11):
        throttle = ScopedRateThrottle()
        throttle.cache = two_redis_clients[attempt % 2]  # alternate processes
        request = Request(RequestFactory().post(TOKEN_URL, REMOTE_ADDR="203.0.113.5"))
        allowed.append(throttle.allow_request(request, view))
    assert allowed == [True] * 10 + [False]  # 10/min per address, across both processes
