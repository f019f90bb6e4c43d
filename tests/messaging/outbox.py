"""The SMS outbox fixture (R40), shared by every test folder that sends texts.

The lead may move it to tests/conftest.py; until then each folder's conftest imports it.
"""

import pytest

import messaging


@pytest.fixture(autouse=True)
def sms_outbox():
    """`messaging.outbox` emptied before each test, like pytest-django's `mailoutbox`."""
    messaging.outbox.clear()
    yield messaging.outbox
    messaging.outbox.clear()
