"""Helpers for the reliability tests (the barrier itself is tests/concurrency.py)."""

import os
import subprocess
import sys

import pytest
from django.db import connection


@pytest.fixture
def postgres_only():
    """Row locks, triggers and statement timeouts are PostgreSQL's; SQLite serialises writers."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def errors_in(outcomes) -> list[Exception]:
    return [outcome for outcome in outcomes if isinstance(outcome, Exception)]


def run_with_settings(environment: dict, script: str) -> str:
    """Run `script` in a fresh Python process with `salon.settings` read from
    `environment`, as the production processes read it; return what it prints."""
    from django.conf import settings

    completed = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + script],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "salon.settings",
            **environment,
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-test-only-0123456789",
    "ALLOWED_HOSTS": "testserver,salon.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
    "AWS_STORAGE_BUCKET_NAME": "",
    "STATICFILES_STORAGE": "",
    "DATABASE_STATEMENT_TIMEOUT_MS": "0",
}
