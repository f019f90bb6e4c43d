"""The SMS backend interface, shaped like Django's e-mail backends (R39)."""

from django.conf import settings
from django.utils.module_loading import import_string


class BaseSMSBackend:
    """Sends one text. Raise on failure: the caller records the error and retries."""

    def send(self, *, to: str, body: str) -> str:
        """Send `body` to `to` (E.164) and return the provider's message id ("" if none)."""
        raise NotImplementedError


def get_sms_backend(path: str | None = None) -> BaseSMSBackend:
    """The backend named by `path`, or by settings.SMS_BACKEND (a dotted path)."""
    return import_string(path or settings.SMS_BACKEND)()
