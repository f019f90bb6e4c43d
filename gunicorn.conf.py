"""Gunicorn settings for production (docs/deploy.md): `gunicorn -c gunicorn.conf.py`.

Every value can be changed from the environment (the systemd unit's EnvironmentFile).
Sync workers: each request holds one worker and one database connection, so
WEB_CONCURRENCY x hosts must stay below PostgreSQL's max_connections (with the task
workers' connections on top).
"""

import multiprocessing
import os

wsgi_app = "salon.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request still running after `timeout` seconds is killed and its transaction rolled
# back; keep it above the database statement timeout so the app answers 503 first.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
# X-Forwarded-* are believed only from the proxy (nginx on the same host by default).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
