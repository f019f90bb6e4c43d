"""Test settings: the real settings with the outside world replaced (R40)."""

import os

os.environ.setdefault("DEBUG", "true")

from salon.settings import *  # noqa: F403

SMS_BACKEND = "messaging.backends.locmem.SMSBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
