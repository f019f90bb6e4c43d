"""Security settings: the deploy check stays clean with production settings (and fails
without a shared cache), and every answer carries the protective headers."""

import os
import re
import subprocess
import sys

from django.conf import settings
from django.test import Client as BrowserClient

from tests.accounts.factories import ManagerFactory

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "-not-a-real-secret-but-long-and-random-enough-0123456789",
    "ALLOWED_HOSTS": "salon.example.com",
    "SECURE_HSTS_SECONDS": "31536000",
    "CACHE_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_SETTINGS_MODULE": "salon.settings",
}


def deploy_check(**env):
    # A production process has none of the test run's settings (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which the deploy check rightly refuses).
    test_only = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "DEBUG"}
    environment = {k: v for k, v in os.environ.items() if k not in test_only}
    environment.update(PRODUCTION_ENV, **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_deploy_check_is_clean_with_production_settings():
    result = deploy_check()
    assert result.returncode == 0, result.stderr


def test_the_deploy_check_fails_without_a_shared_cache():
    result = deploy_check(CACHE_URL="locmemcache://")
    assert result.returncode != 0
    assert "axes.W001" in result.stderr


def test_cookies_are_out_of_reach_of_scripts():
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.CSRF_COOKIE_HTTPONLY is True


def test_answers_carry_the_protective_headers(db):
    response = BrowserClient().get("/admin/login/")
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_admin_signs_in_with_httponly_csrf_cookies(db):
    """CSRF_COOKIE_HTTPONLY is compatible with the admin: its forms carry the token."""
    ManagerFactory(username="jane")
    browser = BrowserClient(enforce_csrf_checks=True)
    page = browser.get("/admin/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(
        "/admin/login/?next=/admin/",
        {"username": "jane", "password": "correct-horse-battery", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert browser.cookies["csrftoken"]["httponly"] is True
