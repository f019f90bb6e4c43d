"""The refusals of the messaging app, one class per broken rule (R71; salon/errors.py)."""

from salon.errors import DomainError


class InvalidPhoneNumber(DomainError):
    code = "invalid_phone"
    message = "Enter a valid phone number."


class TextWithoutPurpose(DomainError):
    code = "text_without_purpose"
    message = "A text needs a purpose key."


class EmptyText(DomainError):
    code = "empty_text"
    message = "A text can't be empty."
