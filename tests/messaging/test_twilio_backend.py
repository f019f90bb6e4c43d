"""The Twilio backend talks to Twilio's REST API through the official client (R39)."""

import json

import pytest
import responses
from django.core.exceptions import ImproperlyConfigured

from messaging.backends.twilio import SMSBackend
from messaging.models import MessageStatus
from messaging.services import sms_queue

MESSAGES_URL = "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"


@pytest.fixture
def twilio_settings(settings):
    settings.SMS_BACKEND = "messaging.backends.twilio.SMSBackend"
    settings.TWILIO_ACCOUNT_SID = "AC123"
    settings.TWILIO_AUTH_TOKEN = "secret"
    settings.TWILIO_FROM_NUMBER = "+12025550100"
    return settings


@responses.activate
def test_twilio_backend_posts_the_message_and_returns_its_sid(twilio_settings):
    responses.post(MESSAGES_URL, json={"sid": "SM42", "status": "queued"}, status=201)
    assert SMSBackend().send(to="+12025550143", body="Hi") == "SM42"
    sent = responses.calls[0].request
    assert "To=%2B12025550143" in sent.body
    assert "From=%2B12025550100" in sent.body
    assert "Body=Hi" in sent.body


@pytest.mark.django_db
@responses.activate
def test_provider_error_marks_the_text_for_retry(
    twilio_settings, django_capture_on_commit_callbacks
):  # R39
    twilio_settings.SMS_MAX_ATTEMPTS = 2
    responses.post(MESSAGES_URL, body=json.dumps({"code": 20003, "message": "down"}), status=500)
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_queue(to="+12025550143", body="Hi", purpose="test:twilio-down")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 2
    assert len(responses.calls) == 2


def test_twilio_backend_without_credentials_is_a_configuration_error(settings):
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(ImproperlyConfigured, match="TWILIO_ACCOUNT_SID"):
        SMSBackend()
