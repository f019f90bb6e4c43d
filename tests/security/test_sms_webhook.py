"""Attacks on the inbound SMS webhook (R39, R40): unsigned, wrongly signed, signed for
another URL (the https/http proxy case), and replayed."""

import pytest
from twilio.request_validator import RequestValidator

from messaging.models import Direction, Message

URL = "/api/v1/sms/inbound/"
TOKEN = "webhook-secret"


@pytest.fixture(autouse=True)
def twilio_token(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_WEBHOOK_URL = ""


def params(sid="SM0001", body="hello"):
    return {"MessageSid": sid, "From": "+12025550143", "To": "+12025550100", "Body": body}


def post(api, data, *, signed_for=None, signature=None, **headers):
    if signed_for is not None:
        signature = RequestValidator(TOKEN).compute_signature(signed_for, data)
    if signature is not None:
        headers["HTTP_X_TWILIO_SIGNATURE"] = signature
    return api.post(URL, data, **headers)


def inbound_count() -> int:
    return Message.objects.filter(direction=Direction.INBOUND).count()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "proxy_header_setting, signed_for, expected",
    [
        # Twilio signs the public https URL; the proxy forwards over http and says so.
        (True, f"https://testserver{URL}", 200),
        (False, f"https://testserver{URL}", 403),  # the app can't know it was https
        (True, f"http://testserver{URL}", 403),  # signed for another URL than was used
    ],
    ids=["https-behind-trusted-proxy", "https-proxy-header-not-trusted", "http-signature"],
)
def test_the_signature_is_checked_against_the_url_the_provider_used(
    anonymous_api, settings, proxy_header_setting, signed_for, expected
):
    if proxy_header_setting:
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    else:
        settings.SECURE_PROXY_SSL_HEADER = None
    response = post(anonymous_api, params(), signed_for=signed_for, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == expected
    assert inbound_count() == (1 if expected == 200 else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "bm90IGEgc2lnbmF0dXJl",
        RequestValidator("another-token").compute_signature(f"http://testserver{URL}", params()),
    ],
    ids=["unsigned", "empty", "garbage", "signed-with-another-token"],
)
def test_unsigned_or_wrongly_signed_requests_are_403(anonymous_api, signature):
    assert post(anonymous_api, params(), signature=signature).status_code == 403
    assert inbound_count() == 0


@pytest.mark.django_db
def test_a_replayed_message_sid_is_processed_once(anonymous_api):
    url = f"http://testserver{URL}"
    first = post(anonymous_api, params(sid="SMreplay"), signed_for=url)
    replays = [post(anonymous_api, params(sid="SMreplay"), signed_for=url) for _ in range(3)]
    assert {response.status_code for response in [first, *replays]} == {200}
    assert inbound_count() == 1
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 1  # one answer
