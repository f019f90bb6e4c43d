"""The production set-up: texts queued in the database, sent by the `db_worker` (R39)."""

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from messaging.models import MessageStatus
from messaging.services import sms_queue

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS
    return settings


def run_worker():
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_worker_sends_what_the_web_request_queued(database_tasks, sms_outbox):  # R39
    message = sms_queue(to="+12025550143", body="See you soon", purpose="test:worker")
    assert sms_outbox == []
    assert DBTaskResult.objects.count() == 1
    run_worker()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert [(sms.to, sms.body) for sms in sms_outbox] == [("+12025550143", "See you soon")]
    run_worker()
    assert len(sms_outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_failed_send_is_retried_later_by_the_worker(database_tasks, sms_outbox):  # R39
    database_tasks.SMS_BACKEND = "messaging.backends.twilio.SMSBackend"
    database_tasks.TWILIO_ACCOUNT_SID = ""  # misconfigured: every send fails
    message = sms_queue(to="+12025550143", body="Hi", purpose="test:worker-retry")
    before = timezone.now()
    run_worker()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    retry = DBTaskResult.objects.exclude(status="SUCCESSFUL").get()
    assert retry.run_after > before
    assert sms_outbox == []
