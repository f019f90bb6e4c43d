"""The OpenAPI schema class of the API (SPEC §11): drf-spectacular's, plus the
Idempotency-Key header on every operation of a view that honours it, and the error answers
each operation can give (so that a client, and the schemathesis fuzzing of
tests/security/test_fuzzing.py, finds every status it may receive documented)."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import AllowAny

from salon.api.idempotency import HEADER, KEY_MAX_LENGTH, REPLAYED_HEADER, IdempotentMixin

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    type=str,
    required=False,
    description=(
        f"A unique key (1 to {KEY_MAX_LENGTH} characters, e.g. a UUID) that makes a retry "
        "safe: the same key with the same body returns the first response again (with "
        f"`{REPLAYED_HEADER}: true`) and does nothing more; with another body → 422; while "
        "the first request still runs → 409. Keys are kept at least 24 hours, per user and "
        "path."
    ),
)


# SPEC §11's one error format: {"detail": "message"} or {"field": ["message"], ...}.
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {},
}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code, description in self._error_responses().items():
                responses.setdefault(code, _error(description))
        return responses

    def _error_responses(self) -> dict[str, str]:
        """The 4xx answers this operation can give, from what the view declares."""
        errors = {}
        has_query = any(p["in"] == "query" for p in self._get_parameters())
        if self.method in WRITE_METHODS or has_query:
            errors["400"] = "Bad input, or a rule refused the request; nothing changed."
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            errors["401"] = "No credentials, or a token that is no longer valid."
            errors["403"] = "Your role may not do this."
        if "{" in self.path or self._get_paginator() is not None:
            errors["404"] = "No such object (or another client's), or no such page."
        if self.method in WRITE_METHODS:
            errors["415"] = "A body in a media type this operation does not read."
            errors["409"] = "The request clashes with the current state (e.g. a key in use)."
        if isinstance(self.view, IdempotentMixin) and self.method in self.view.idempotent_methods:
            errors["422"] = f"This {HEADER} was already used with a different body."
        if self.view.get_throttles():
            errors["429"] = "Too many requests: retry after the time given in Retry-After."
        return errors

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if isinstance(self.view, IdempotentMixin) and self.method in self.view.idempotent_methods:
            parameters = [*parameters, IDEMPOTENCY_KEY_PARAMETER]
        return parameters
