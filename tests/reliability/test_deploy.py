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


def test_whitenoise_serves_a_collected_static_file_compressed_and_cached_for_ever(tmp_path):
    script = """
import json
import os
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client
call_command("collectstatic", interactive=False, verbosity=0)
url = static("admin/css/base.css")
plain = Client().get(url, secure=True)
gzipped = Client().get(url, secure=True, HTTP_ACCEPT_ENCODING="gzip")
print(json.dumps({
    "url": url,
    "status": plain.status_code,
    "cache": plain.headers.get("Cache-Control", ""),
    "type": plain.headers.get("Content-Type", ""),
    "encoding": gzipped.headers.get("Content-Encoding", ""),
}))
"""
    served = json.loads(
        run_with_settings({**PRODUCTION, "STATIC_ROOT": str(tmp_path / "static")}, script)
    )
    assert re.fullmatch(r"/static/admin/css/base\.[0-9a-f]{12}\.css", served["url"])
    assert served["status"] == 200
    assert served["type"].startswith("text/css")
    assert "immutable" in served["cache"]
    assert served["encoding"] == "gzip"


def test_a_statement_timeout_is_set_on_postgresql_connections_when_asked():
    script = (
        "import json; from django.conf import settings\n"
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    postgres = {**PRODUCTION, "DATABASE_URL": "postgres://salon@db.example.com:5432/salon"}
    limited = json.loads(
        run_with_settings({**postgres, "DATABASE_STATEMENT_TIMEOUT_MS": "20000"}, script)
    )
    assert limited["options"] == "-c statement_timeout=20000"
    assert "options" not in json.loads(run_with_settings(postgres, script))


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
