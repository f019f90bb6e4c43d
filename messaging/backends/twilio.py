from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from twilio.rest import Client

from messaging.backends.base import BaseSMSBackend


class SMSBackend(BaseSMSBackend):
    """Sends through Twilio's REST API with the official client (R39)."""

    def __init__(self):
        missing = [
            name
            for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")
            if not getattr(settings, name, "")
        ]
        if missing:
            raise ImproperlyConfigured(f"The Twilio SMS backend needs {', '.join(missing)}.")
        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
        self.from_number = settings.TWILIO_FROM_NUMBER

    def send(self, *, to: str, body: str) -> str:
        message = self.client.messages.create(to=to, from_=self.from_number, body=body)
        return message.sid or ""
