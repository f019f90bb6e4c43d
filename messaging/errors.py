"""The refusals of the messaging app, one class per broken rule (R71; salon/errors.py)."""

from salon.errors import DomainError


class TextWithoutPurpose(DomainError):
    code = "text_without_purpose"
    message = "A text needs a purpose key."


class EmptyText(DomainError):
    code = "empty_text"
    message = "A text can't be empty."


class NoSmsConsent(DomainError):
    """Every service that texts a client refuses with this one (the code redemption R57, the
    text receipt R49), each in its own words where the advice differs."""

    code = "no_sms_consent"
    message = "The client can't be texted (no mobile phone, no SMS consent, or opted out)."
