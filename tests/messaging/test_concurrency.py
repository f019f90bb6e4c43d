"""Texts are never sent twice, even when requests race (R39; PostgreSQL only: SQLite
serialises writers, so it can't show the race)."""

import pytest
from django.db import connection

from messaging.models import Direction, Message, MessageStatus
from messaging.services import message_send, sms_queue, sms_receive
from tests.concurrency import run_together
from tests.messaging.factories import OutboundMessageFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")


def test_two_requests_queueing_the_same_purpose_send_one_text(sms_outbox):
    def queue():
        return sms_queue(to="+12025550143", body="Your code", purpose="signup-code:x:1").pk

    first, second = run_together(queue, queue)
    assert first == second
    assert Message.objects.count() == 1
    assert len(sms_outbox) == 1


def test_two_workers_sending_the_same_message_send_it_once(sms_outbox):
    message = OutboundMessageFactory(status=MessageStatus.QUEUED)
    outcomes = run_together(
        lambda: message_send(message_id=message.pk), lambda: message_send(message_id=message.pk)
    )
    # The loser either waited for the claim ("sending") or came after the send ("sent").
    assert "sent" in outcomes
    assert set(outcomes) <= {"sending", "sent"}
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert len(sms_outbox) == 1


def test_a_webhook_delivered_twice_at_once_is_stored_once():
    def deliver():
        return sms_receive(
            from_number="+12025550143", to_number="+12025550100", body="hi", provider_sid="SMx"
        )

    run_together(deliver, deliver)
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1
