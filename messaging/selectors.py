"""Reads of messaging (R38-R39)."""

from messaging.models import OptOut


def phone_is_opted_out(*, phone: str) -> bool:
    """Whether `phone` (E.164) texted STOP: it is never texted, whatever the client record
    says (SPEC §1)."""
    return OptOut.objects.filter(phone=phone).exists()
