"""The small family of domain errors that services raise and the API maps in one place."""


class DomainError(Exception):
    """A rule refused the request; the API answers 400 with this message."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_response_data(self) -> dict:
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message}


class PermissionRefused(DomainError):
    """The user's role may not do this (SPEC §10); the API answers 403."""

    status_code = 403


class Conflict(DomainError):
    """The request clashes with the current state of the resource; the API answers 409."""

    status_code = 409


class TooManyAttempts(DomainError):
    """Sign-in locked after repeated failures (django-axes); the API answers 429."""

    status_code = 429
