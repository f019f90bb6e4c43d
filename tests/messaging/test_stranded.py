"""Texts left queued with no task to send them are given a new one (R39): a process that
died between a commit and its on-commit enqueue, or a task the queue lost."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from messaging.models import Direction, Message, MessageStatus
from messaging.services import texts_requeue_stranded
from tests.messaging.factories import OptOutFactory

pytestmark = pytest.mark.django_db

QUEUED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GRACE = timedelta(seconds=900)


@pytest.fixture
def stranded(time_machine):
    """A text committed as queued whose enqueue never ran (the callback is dropped)."""

    def make(*, attempts=0, status=MessageStatus.QUEUED, direction=Direction.OUTBOUND):
        time_machine.move_to(QUEUED_AT, tick=False)
        return Message.objects.create(
            direction=direction,
            to_number="+12025550143",
            body="Your appointment is tomorrow at 10:00.",
            status=status,
            purpose="stranded:1",
            attempts=attempts,
        )

    return make


@pytest.fixture
def sweep(time_machine, django_capture_on_commit_callbacks):
    """One sweep at `at` (the clock moved there), its enqueued tasks run (immediate backend)."""

    def run(at):
        time_machine.move_to(at, tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            return texts_requeue_stranded()

    return run


def test_a_stranded_text_is_sent_once_after_the_grace(stranded, sweep, sms_outbox):
    message = stranded()
    assert sweep(QUEUED_AT + GRACE - timedelta(seconds=1)) == []
    assert sweep(QUEUED_AT + GRACE) == [message.pk]
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert [sms.body for sms in sms_outbox] == [message.body]
    assert sweep(QUEUED_AT + 3 * GRACE) == []
    assert len(sms_outbox) == 1


def test_a_text_waiting_for_its_retry_is_not_stranded_before_its_delay(
    stranded, sweep, settings, sms_outbox
):
    settings.SMS_RETRY_SECONDS = 60
    message = stranded(attempts=3)  # its third send failed: the next is due 240 s later
    due = QUEUED_AT + timedelta(seconds=240)
    assert sweep(due + GRACE - timedelta(seconds=1)) == []
    assert sweep(due + GRACE) == [message.pk]
    assert len(sms_outbox) == 1


def test_a_requeued_text_is_left_alone_for_another_grace(
    stranded, time_machine, django_capture_on_commit_callbacks
):
    """With the worker down its new task waits too: one more task per grace, not per sweep."""
    message = stranded()

    def sweep_without_worker(at):
        time_machine.move_to(at, tick=False)
        with django_capture_on_commit_callbacks() as enqueued:
            requeued = texts_requeue_stranded()
        assert len(enqueued) == len(requeued)
        return requeued

    first = QUEUED_AT + GRACE
    assert sweep_without_worker(first) == [message.pk]
    message.refresh_from_db()
    assert (message.status, message.updated_at) == (MessageStatus.QUEUED, first)
    assert sweep_without_worker(first + GRACE - timedelta(seconds=1)) == []
    assert sweep_without_worker(first + GRACE) == [message.pk]


@pytest.mark.parametrize(
    ("direction", "status"),
    [
        (Direction.OUTBOUND, MessageStatus.SENDING),  # maybe sent already: never twice
        (Direction.OUTBOUND, MessageStatus.SENT),
        (Direction.OUTBOUND, MessageStatus.FAILED),
        (Direction.OUTBOUND, MessageStatus.BLOCKED),
        (Direction.INBOUND, MessageStatus.RECEIVED),
    ],
)
def test_only_queued_outbound_texts_are_swept(stranded, sweep, direction, status, sms_outbox):
    stranded(direction=direction, status=status)
    assert sweep(QUEUED_AT + 10 * GRACE) == []
    assert sms_outbox == []


def test_a_stranded_text_to_a_number_that_opted_out_is_blocked_not_sent(
    stranded, sweep, sms_outbox
):
    message = stranded()
    OptOutFactory(phone=message.to_number)
    assert sweep(QUEUED_AT + GRACE) == [message.pk]
    message.refresh_from_db()
    assert message.status == MessageStatus.BLOCKED
    assert sms_outbox == []


def test_the_command_sweeps_once_and_says_how_many(
    stranded, time_machine, sms_outbox, django_capture_on_commit_callbacks
):
    stranded()
    time_machine.move_to(QUEUED_AT + GRACE, tick=False)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_texts", stdout=out)
    assert out.getvalue().strip() == "Requeued 1 stranded text(s)."
    assert len(sms_outbox) == 1
