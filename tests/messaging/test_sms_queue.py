"""sms_queue and the background send (R39-R40)."""

from datetime import UTC, datetime

import pytest
from django.db import transaction

from messaging.backends.base import BaseSMSBackend, get_sms_backend
from messaging.backends.locmem import SMSBackend as LocmemBackend
from messaging.models import Message, MessageStatus
from messaging.services import message_send, sms_queue
from salon.errors import DomainError
from tests.messaging.factories import OptOutFactory

pytestmark = pytest.mark.django_db


class FlakyBackend(BaseSMSBackend):
    """Fails the first `failures` sends, then delivers to the locmem outbox."""

    failures = 0
    calls = 0

    def send(self, *, to, body):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise ConnectionError("provider unreachable")
        return LocmemBackend().send(to=to, body=body)


@pytest.fixture
def flaky(settings):
    settings.SMS_BACKEND = "tests.messaging.test_sms_queue.FlakyBackend"
    FlakyBackend.calls = 0
    FlakyBackend.failures = 0
    return FlakyBackend


def test_queued_text_is_sent_on_commit_through_the_backend(
    sms_outbox, django_capture_on_commit_callbacks
):  # R39, R40
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_queue(to="(202) 555-0143", body="Hi", purpose="test:1", client_id=None)
        assert sms_outbox == []  # nothing leaves inside the transaction
    message.refresh_from_db()
    assert [(sms.to, sms.body) for sms in sms_outbox] == [("+12025550143", "Hi")]
    assert message.status == MessageStatus.SENT
    assert message.to_number == "+12025550143"
    assert message.attempts == 1
    assert message.provider_sid == sms_outbox[0].sid
    assert message.sent_at is not None


def test_same_purpose_is_never_sent_twice(sms_outbox, django_capture_on_commit_callbacks):  # R39
    with django_capture_on_commit_callbacks(execute=True):
        first = sms_queue(to="+12025550143", body="Hi", purpose="test:once")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = sms_queue(to="+12025550143", body="Hi again", purpose="test:once")
    assert second.pk == first.pk
    assert callbacks == []
    assert len(sms_outbox) == 1
    assert Message.objects.count() == 1


def test_opted_out_number_is_recorded_blocked_and_never_sent(
    sms_outbox, django_capture_on_commit_callbacks
):  # §1 opt-out list
    OptOutFactory(phone="+12025550143")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = sms_queue(to="+1 202 555 0143", body="Hi", purpose="test:blocked")
    assert message.status == MessageStatus.BLOCKED
    assert callbacks == []
    assert sms_outbox == []


def test_number_that_opts_out_before_the_send_is_not_texted(sms_outbox):  # §1
    with transaction.atomic():
        message = sms_queue(to="+12025550143", body="Hi", purpose="test:late-stop")
    # The test's own transaction holds the on-commit send back; opt out meanwhile.
    OptOutFactory(phone="+12025550143")
    assert message_send(message_id=message.pk) == MessageStatus.BLOCKED
    assert sms_outbox == []


@pytest.mark.parametrize(
    ("field", "code", "kwargs"),
    [
        ("to", "invalid_phone", {"to": "not a phone"}),
        ("to", "invalid_phone", {"to": "+1 202 555"}),
        ("body", "empty_text", {"body": "   "}),
        ("purpose", "text_without_purpose", {"purpose": ""}),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(field, code, kwargs):  # R32-style bad input
    arguments = {"to": "+12025550143", "body": "Hi", "purpose": "test:bad"} | kwargs
    with pytest.raises(DomainError) as refused:
        sms_queue(**arguments)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert Message.objects.count() == 0


def test_failed_send_is_retried_then_sent_once(
    flaky, sms_outbox, django_capture_on_commit_callbacks
):  # R39 retry
    flaky.failures = 2
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_queue(to="+12025550143", body="Hi", purpose="test:retry")
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 3
    assert message.error == ""
    assert len(sms_outbox) == 1


def test_retries_are_bounded_then_the_text_is_failed(
    flaky, settings, sms_outbox, django_capture_on_commit_callbacks
):  # R39 retry
    settings.SMS_MAX_ATTEMPTS = 3
    flaky.failures = 100
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_queue(to="+12025550143", body="Hi", purpose="test:give-up")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 3
    assert flaky.calls == 3
    assert "provider unreachable" in message.error
    assert sms_outbox == []


def test_a_sent_text_is_never_sent_again_by_a_second_task_run(
    sms_outbox, django_capture_on_commit_callbacks
):  # R39
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_queue(to="+12025550143", body="Hi", purpose="test:twice")
    assert message_send(message_id=message.pk) == MessageStatus.SENT
    assert message_send(message_id=message.pk, now=datetime(2030, 1, 1, tzinfo=UTC)) == "sent"
    assert len(sms_outbox) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_send_of_unknown_message_does_nothing(sms_outbox):
    assert message_send(message_id=999999) == "missing"
    assert sms_outbox == []


def test_backend_is_chosen_by_the_setting(settings):  # R40
    settings.SMS_BACKEND = "messaging.backends.console.SMSBackend"
    from messaging.backends.console import SMSBackend as ConsoleBackend

    assert isinstance(get_sms_backend(), ConsoleBackend)
    assert isinstance(get_sms_backend("messaging.backends.locmem.SMSBackend"), LocmemBackend)


def test_console_backend_prints_the_text(capsys):  # R39
    from messaging.backends.console import SMSBackend as ConsoleBackend

    sid = ConsoleBackend().send(to="+12025550143", body="Hello there")
    printed = capsys.readouterr().out
    assert "SMS to +12025550143" in printed
    assert "Hello there" in printed
    assert sid.startswith("console-")
