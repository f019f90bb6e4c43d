"""The embedded default, SQLite, takes several writers (the web workers and the task worker)
without "database is locked": WAL, BEGIN IMMEDIATE and a busy timeout (salon/settings.py).

The settings are read the way production reads them - `salon.settings` in a fresh process
with `DATABASE_URL` naming a file - and tried on a real file database (the test database
may be in memory, where WAL does not exist), whichever database the suite runs on.
"""

import json
import threading

import pytest
from django.db import connection, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

from .conftest import run_with_settings

FILE = "file"
WRITERS = 4
WRITES_PER_WRITER = 50


def production_sqlite_settings(path) -> dict:
    """settings.DATABASES["default"] as `salon.settings` builds it for a SQLite file."""
    script = "import json; from django.conf import settings\n" + (
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )
    return json.loads(run_with_settings({"DATABASE_URL": f"sqlite:///{path}"}, script))


@pytest.fixture
def file_database(tmp_path, django_db_blocker):
    """The alias "file": a new SQLite file with the production settings, reached through
    Django's own connections (one per thread) and transaction.atomic, as the app does."""
    database = production_sqlite_settings(tmp_path / "salon.sqlite3")
    configured = connections.configure_settings({"default": {}, FILE: database})
    connections.settings[FILE] = configured[FILE]
    with django_db_blocker.unblock():
        yield connections
        connections[FILE].close()
    del connections[FILE]
    del connections.settings[FILE]


def test_sqlite_runs_with_wal_immediate_transactions_and_a_busy_timeout(file_database):
    wrapper = file_database[FILE]
    assert isinstance(wrapper, DatabaseWrapper)
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL: safe with WAL, one fsync per checkpoint
    assert wrapper.transaction_mode == "IMMEDIATE"


def test_four_concurrent_writers_get_no_database_is_locked(file_database):
    """Each writer reads a counter and writes it back plus one, in one transaction, over and
    over. DEFERRED transactions would fail this with "database is locked" (a reader can't
    upgrade to writer once another wrote); IMMEDIATE ones queue behind the busy timeout, so
    every write lands and none is lost."""
    setup = file_database[FILE]
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, value INT)")
        cursor.execute("INSERT OR REPLACE INTO counter (id, value) VALUES (1, 0)")
    setup.close()
    barrier = threading.Barrier(WRITERS)
    errors: list[Exception] = []

    def write():
        own = file_database[FILE]  # per thread, as in the web server
        try:
            barrier.wait()
            for _ in range(WRITES_PER_WRITER):
                with transaction.atomic(using=FILE), own.cursor() as cursor:
                    cursor.execute("SELECT value FROM counter WHERE id = 1")
                    value = cursor.fetchone()[0]
                    cursor.execute("UPDATE counter SET value = %s WHERE id = 1", [value + 1])
        except Exception as error:  # the outcome under test
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=write) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    check = file_database[FILE]
    with check.cursor() as cursor:
        cursor.execute("SELECT value FROM counter WHERE id = 1")
        assert cursor.fetchone()[0] == WRITERS * WRITES_PER_WRITER


def test_the_database_the_suite_runs_on_is_configured_for_its_kind():
    options = connection.settings_dict.get("OPTIONS", {})
    if connection.vendor == "sqlite":
        assert options["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in options["init_command"]
    else:
        assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
