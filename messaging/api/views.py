"""The provider's inbound webhook (R38-R40)."""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from messaging.services import sms_receive

logger = logging.getLogger(__name__)


def _signature_is_valid(request: HttpRequest) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return False
    url = settings.TWILIO_WEBHOOK_URL or request.build_absolute_uri()
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST, signature)


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """Twilio posts each inbound text here; we answer with TwiML (a reply, or nothing)."""
    if not _signature_is_valid(request):
        logger.warning("Refused an inbound text webhook without a valid signature.")
        return HttpResponseForbidden("Invalid or missing X-Twilio-Signature.")
    sid = request.POST.get("MessageSid", "").strip()
    from_number = request.POST.get("From", "").strip()
    if not sid or not from_number:
        return HttpResponse("MessageSid and From are required.", status=400)
    reply = sms_receive(
        from_number=from_number,
        to_number=request.POST.get("To", "").strip(),
        body=request.POST.get("Body", ""),
        provider_sid=sid[:64],
    )
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return HttpResponse(str(twiml), content_type="application/xml")
