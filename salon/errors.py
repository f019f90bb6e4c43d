"""The domain errors that services raise and the API and admin render in one place (R71).

Each broken rule is its own subclass with a stable snake_case `code` and a plain-English
default message (hordak's one exception per rule, DRF's `default_code`):

    class RedemptionPaused(DomainError):
        code = "redemption_paused"
        message = "Redemption is paused."

Apps declare theirs in `<app>/errors.py`. The API answers `{"detail", "code"}` (or, for an
error about one field, `{"field": ["message"]}`); admin shows `message`; tests assert
`code`. Every code is listed in the README (tests/salon/test_error_codes.py checks it).
"""


class DomainError(Exception):
    """A rule refused the request; the API answers 400 with this message and code."""

    status_code = 400
    code = "invalid"
    message = "The request was refused."

    def __init__(self, message: str | None = None, *, field: str | None = None):
        self.message = message or type(self).message
        super().__init__(self.message)
        self.field = field

    def as_response_data(self) -> dict:
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message, "code": self.code}


class PermissionRefused(DomainError):
    """The user's role may not do this (SPEC §10); the API answers 403."""

    status_code = 403
    code = "permission_denied"
    message = "Your role may not do this."


class Conflict(DomainError):
    """The request clashes with the current state of the resource; the API answers 409."""

    status_code = 409
    code = "conflict"
    message = "The request clashes with the current state; reload and retry."


class TooManyAttempts(DomainError):
    """Sign-in locked after repeated failures (django-axes); the API answers 429."""

    status_code = 429
    code = "too_many_attempts"
    message = "Too many failed attempts; try again later."


class NotFound(DomainError):
    """The object doesn't exist or the user may not see it (SPEC §11); the API answers 404."""

    status_code = 404
    code = "not_found"
    message = "Not found."


class UnknownFeature(DomainError):
    code = "unknown_feature"
    message = "Unknown feature."


class NotABoolean(DomainError):
    code = "not_a_boolean"
    message = "Must be true or false."


class FieldNotEditable(DomainError):
    """A field an update doesn't take (clients' PATCH, loyalty's settings, rules, tiers and
    promotions)."""

    code = "field_not_editable"
    message = "This field can't be changed here."

    @classmethod
    def refuse_others(cls, changes, fields) -> None:
        """Refuse the first change (by name) of a field that is not among `fields`."""
        others = sorted(set(changes) - set(fields))
        if others:
            raise cls(field=others[0])


class InvalidPhone(DomainError):
    """R24: a phone is a valid number, national formats read in the salon's region. Clients
    and messaging both read phones and may not import each other, so the rule's class
    lives here."""

    code = "invalid_phone"
    message = "Enter a valid mobile phone number."


class InvalidSource(DomainError):
    """A `source` outside the record's choices (an appointment's, a feedback's); the
    message names the value given."""

    code = "invalid_source"
    message = "This is not a valid source."

    @classmethod
    def naming(cls, source) -> "InvalidSource":
        """The refusal of `source`, on the `source` field, in the one wording."""
        return cls(f"“{source}” is not a valid source.", field="source")


class PremiumNeedsBaseFeatures(DomainError):
    code = "premium_needs_base_features"
    message = (
        "This premium feature needs Automated email marketing, Mass email and "
        "Rewards & Referrals all switched on."
    )


class TextTooLong(DomainError):
    """A text longer than its field keeps (the salon's name, address, phone, receipt footer)."""

    code = "text_too_long"
    message = "This text is too long."

    @classmethod
    def at_most(cls, limit: int, *, field: str) -> "TextTooLong":
        return cls(f"At most {limit} characters.", field=field)


class SalonNameMissing(DomainError):
    """R50: receipts and texts say who the salon is."""

    code = "salon_name_missing"
    message = "Give the salon a name; receipts and texts use it."


def all_error_classes() -> list[type[DomainError]]:
    """Every DomainError subclass loaded so far (the apps' errors modules are imported by
    their services), for the README and schema lists of codes."""
    found, pending = [], [DomainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found
