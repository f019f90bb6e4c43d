"""Production deployment (docs/deploy.md): settings read from the environment pick the
storages, WhiteNoise serves the collected static files, gunicorn reads its settings, and the
example systemd units run commands that exist. Each case runs `salon.settings` in a fresh
process with production-like variables, as gunicorn and the workers do."""

import configparser
import json
import os
import re
import shlex
import subprocess
import sys
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from django.conf import settings
from django.core.management import get_commands

from .conftest import PRODUCTION, run_with_settings

DEPLOY = settings.BASE_DIR / "deploy"
S3 = {
    **PRODUCTION,
    "AWS_STORAGE_BUCKET_NAME": "salon-media",
    "AWS_S3_ENDPOINT_URL": "https://objects.example.com",
    "AWS_S3_REGION_NAME": "us-east-1",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEEXAMPLE00",
    "AWS_SECRET_ACCESS_KEY": "example-secret-access-key-for-signing-only",
    "AWS_QUERYSTRING_EXPIRE": "300",
}
DESCRIBE_STORAGES = """
import json
import os
from django.conf import settings
from django.core.files.storage import storages
default = storages["default"]
print(json.dumps({
    "default": settings.STORAGES["default"]["BACKEND"],
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
    "acl": getattr(default, "default_acl", None),
    "signed": getattr(default, "querystring_auth", None),
    "url": default.url("clients/7/photo.png"),
}))
"""


def test_with_a_bucket_uploads_go_to_private_s3_objects_behind_signed_urls():  # R27
    described = json.loads(run_with_settings(S3, DESCRIBE_STORAGES))
    assert described["default"] == "storages.backends.s3.S3Storage"
    assert (described["acl"], described["signed"]) == ("private", True)
    url = described["url"]
    assert url.startswith("https://")
    assert "salon-media" in url
    assert "media/clients/7/photo.png" in url
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=300" in url


def test_without_a_bucket_uploads_stay_on_local_disk_and_static_is_whitenoise_manifest():
    described = json.loads(run_with_settings(PRODUCTION, DESCRIBE_STORAGES))
    assert described["default"] == "django.core.files.storage.FileSystemStorage"
    assert described["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    development = json.loads(run_with_settings({**PRODUCTION, "DEBUG": "true"}, DESCRIBE_STORAGES))
    assert development["staticfiles"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_gunicorn_with_production_settings_serves_collected_static_files_and_the_api(tmp_path):
    """collectstatic, then the real gunicorn with gunicorn.conf.py and DEBUG off: WhiteNoise
    serves a static file under its hashed name, gzip-compressed and cached for ever, and
    the API answers. Port 0: the system picks a free one, read from gunicorn's log."""
    environment = {
        **os.environ,
        **PRODUCTION,
        "DJANGO_SETTINGS_MODULE": "salon.settings",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'salon.sqlite3'}",
        "SECURE_SSL_REDIRECT": "false",  # no TLS proxy in front here
        "GUNICORN_BIND": "127.0.0.1:0",
        "WEB_CONCURRENCY": "1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=environment,
        check=True,
        timeout=120,
    )
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]
    assert re.fullmatch(r"admin/css/base\.[0-9a-f]{12}\.css", hashed)

    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=settings.BASE_DIR,
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        address = listening_address(server)
        static = urlopen(
            Request(f"{address}/static/{hashed}", headers={"Accept-Encoding": "gzip"}),
            timeout=10,
        )
        assert static.status == 200
        assert static.headers["Content-Encoding"] == "gzip"
        assert "immutable" in static.headers["Cache-Control"]
        with pytest.raises(HTTPError) as refused:
            urlopen(
                Request(f"{address}/api/v1/loyalty/rules/", headers={"Host": "salon.example.com"}),
                timeout=10,
            )
        assert refused.value.code == 401
        assert json.loads(refused.value.read()) == {
            "detail": "Authentication credentials were not provided.",
            "code": "not_authenticated",
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()


def listening_address(server: subprocess.Popen) -> str:
    for line in server.stderr:
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line)
        if found:
            return found.group(1)
    raise AssertionError(f"gunicorn stopped before listening (exit {server.wait()})")


def test_a_statement_timeout_is_set_on_postgresql_connections_when_asked():
    script = (
        "import json; from django.conf import settings\n"
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    postgres = {**PRODUCTION, "DATABASE_URL": "postgres://salon@db.example.com:5432/salon"}
    limited = json.loads(
        run_with_settings({**postgres, "DATABASE_STATEMENT_TIMEOUT_MS": "20000"}, script)
    )
    generic = "-c plan_cache_mode=force_generic_plan"  # prepared statements' plans (P1)
    assert limited["options"] == f"-c statement_timeout=20000 {generic}"
    assert json.loads(run_with_settings(postgres, script))["options"] == generic
    pooled = {**postgres, "DB_PREPARED_STATEMENTS": "false"}
    assert "options" not in json.loads(run_with_settings(pooled, script))


def test_gunicorn_reads_workers_and_timeouts_from_the_environment():
    completed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "-c", "gunicorn.conf.py"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            **PRODUCTION,
            "DJANGO_SETTINGS_MODULE": "salon.settings",
            "WEB_CONCURRENCY": "3",
            "GUNICORN_TIMEOUT": "40",
            "GUNICORN_BIND": "127.0.0.1:8013",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    printed = {
        name.strip(): value.strip()
        for name, value in (
            line.split("=", 1) for line in completed.stdout.splitlines() if "=" in line
        )
    }
    assert printed["workers"] == "3"
    assert printed["timeout"] == "40"
    assert printed["bind"] == "['127.0.0.1:8013']"
    assert printed["wsgi_app"] == "salon.wsgi:application"


UNITS = sorted(DEPLOY.glob("*.service"))


@pytest.mark.parametrize("unit", UNITS, ids=[unit.name for unit in UNITS])
def test_each_systemd_unit_runs_a_command_that_exists(unit):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(unit)
    command = shlex.split(parser["Service"]["ExecStart"])
    if "manage.py" in command:
        subcommand = command[command.index("manage.py") + 1]
        assert subcommand in get_commands(), subcommand
    else:
        program = command[0]
        local = program.replace("/srv/salon/app/", "")
        assert (settings.BASE_DIR / local).exists(), program
    assert parser["Service"]["User"] == "salon"


@pytest.mark.parametrize("timer", sorted(DEPLOY.glob("*.timer")), ids=lambda path: path.name)
def test_each_timer_starts_its_service(timer):
    assert timer.with_suffix(".service").exists()


@pytest.mark.parametrize("script", ["backup.sh", "salon-manage"])
def test_the_shell_scripts_parse(script):
    assert subprocess.run(["bash", "-n", str(DEPLOY / script)], check=False).returncode == 0
