"""The inbound webhook (R38-R40): signed by Twilio, processed once, answered with TwiML."""

import pytest
from django.dispatch import receiver
from django.test import Client as BrowserClient
from twilio.request_validator import RequestValidator

from messaging.models import Direction, Message, OptOut
from messaging.services import HELP_TEXT, OPTED_IN_TEXT, OPTED_OUT_TEXT
from messaging.signals import sms_received
from tests.messaging.factories import OptOutFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/sms/inbound/"
TOKEN = "webhook-secret"


@pytest.fixture(autouse=True)
def twilio_token(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_WEBHOOK_URL = ""
    return settings


def params(body="hello", sid="SM0001", sender="+12025550143", **extra):
    return {"MessageSid": sid, "From": sender, "To": "+12025550100", "Body": body} | extra


def post_signed(api, data, *, url=f"http://testserver{URL}", **headers):
    signature = RequestValidator(TOKEN).compute_signature(url, data)
    return api.post(URL, data, HTTP_X_TWILIO_SIGNATURE=signature, **headers)


@pytest.fixture
def replies():
    """Collects the sms_received announcements, as another app's receiver would."""
    heard = []

    @receiver(sms_received, dispatch_uid="tests.replies")
    def listen(sender, message, from_number, body, **kwargs):
        heard.append((message.pk, from_number, body))

    yield heard
    sms_received.disconnect(dispatch_uid="tests.replies")


def test_signed_text_is_stored_announced_and_answered_with_help(anonymous_api, replies):  # R38, R39
    response = post_signed(anonymous_api, params(body="what time do you open?"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert HELP_TEXT in response.content.decode()
    inbound = Message.objects.get(direction=Direction.INBOUND)
    assert (inbound.from_number, inbound.body, inbound.status) == (
        "+12025550143",
        "what time do you open?",
        "received",
    )
    assert replies == [(inbound.pk, "+12025550143", "what time do you open?")]
    reply = Message.objects.get(direction=Direction.OUTBOUND)
    assert (reply.to_number, reply.body, reply.status) == ("+12025550143", HELP_TEXT, "sent")


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_X_TWILIO_SIGNATURE": "bm90IGEgc2lnbmF0dXJl"}],
    ids=["unsigned", "bad-signature"],
)
def test_unsigned_or_badly_signed_request_is_refused(anonymous_api, replies, headers):  # R39
    response = anonymous_api.post(URL, params(), **headers)
    assert response.status_code == 403
    assert Message.objects.count() == 0
    assert replies == []


def test_signature_over_other_parameters_is_refused(anonymous_api):  # R39
    signature = RequestValidator(TOKEN).compute_signature(f"http://testserver{URL}", params())
    response = anonymous_api.post(URL, params(body="tampered"), HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403


def test_without_an_auth_token_every_request_is_refused(anonymous_api, settings):  # R39
    settings.TWILIO_AUTH_TOKEN = ""
    response = post_signed(anonymous_api, params())
    assert response.status_code == 403


def test_signature_checked_against_configured_webhook_url(anonymous_api, settings):  # R40
    settings.TWILIO_WEBHOOK_URL = "https://salon.example.com/api/v1/sms/inbound/"
    assert post_signed(anonymous_api, params(sid="SM1")).status_code == 403
    response = post_signed(anonymous_api, params(sid="SM2"), url=settings.TWILIO_WEBHOOK_URL)
    assert response.status_code == 200


def test_signature_honours_the_https_proxy_header(anonymous_api, settings):  # R40
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = post_signed(
        anonymous_api,
        params(),
        url=f"https://testserver{URL}",
        HTTP_X_FORWARDED_PROTO="https",
    )
    assert response.status_code == 200


def test_duplicate_delivery_is_processed_once(anonymous_api, replies):  # R39
    first = post_signed(anonymous_api, params(sid="SMdup"))
    second = post_signed(anonymous_api, params(sid="SMdup"))
    assert second.status_code == 200
    assert second.content == first.content
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 1
    assert len(replies) == 1


@pytest.mark.parametrize("word", ["STOP", " stop ", "Unsubscribe", "stop."])
def test_stop_puts_the_number_on_the_opt_out_list(anonymous_api, word):  # §1, R38
    response = post_signed(anonymous_api, params(body=word))
    assert OPTED_OUT_TEXT in response.content.decode()
    assert list(OptOut.objects.values_list("phone", flat=True)) == ["+12025550143"]


def test_start_takes_the_number_off_the_opt_out_list(anonymous_api):
    OptOutFactory(phone="+12025550143")
    response = post_signed(anonymous_api, params(body="START"))
    assert OPTED_IN_TEXT in response.content.decode()
    assert OptOut.objects.count() == 0


def test_a_receivers_reply_is_the_answer(anonymous_api):  # R38
    def answer(sender, body, **kwargs):
        return "Thanks, confirmed!" if body == "C" else None

    sms_received.connect(answer, dispatch_uid="tests.answer")
    try:
        response = post_signed(anonymous_api, params(body="C"))
    finally:
        sms_received.disconnect(dispatch_uid="tests.answer")
    assert "Thanks, confirmed!" in response.content.decode()
    assert HELP_TEXT not in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        params(sid=""),
        params(sender=""),
        {"Body": "hi"},
    ],
    ids=["no-sid", "no-from", "only-body"],
)
def test_signed_but_incomplete_request_is_a_400(anonymous_api, data):
    response = post_signed(anonymous_api, data)
    assert response.status_code == 400
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        params(sender="SALON", body=""),
        params(sender="+1", body="\x00\u2603" * 500),
        params(sid="SM" + "9" * 200, body="C"),
        params(extra_field="x" * 5000),
    ],
    ids=["alphanumeric-sender-empty-body", "odd-characters", "long-sid", "unknown-field"],
)
def test_odd_input_never_makes_a_500(anonymous_api, data):
    response = post_signed(anonymous_api, data)
    assert response.status_code == 200
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1


def test_get_is_not_allowed(anonymous_api):
    assert anonymous_api.get(URL).status_code == 405


def test_webhook_needs_no_csrf_token(settings):  # the provider has no session or cookie
    data = params(sid="SMcsrf")
    signature = RequestValidator(TOKEN).compute_signature(f"http://testserver{URL}", data)
    browser = BrowserClient(enforce_csrf_checks=True)
    response = browser.post(URL, data, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
