"""The OpenAPI schema of the API (SPEC §11, R72): drf-spectacular's, made truthful enough
for a generated client (openapi-python-client) and for stateful fuzzing (schemathesis).

Two parts:
- `AutoSchema` (per operation): the Idempotency-Key header on every operation of a view
  that honours it, and the error answers each operation can give, all pointing at the one
  shared `Error` component.
- `postprocess` (a drf-spectacular hook, over the whole schema): one rule each for request
  media types, operation ids and summaries, tags, path parameter names, anonymous
  security, the `Error` component's list of codes (R71) and the links from each create to
  its reads. One place for each rule, so endpoints added later follow it without a
  decorator (docs/decisions.md, #15). The names and links are read from the paths by
  salon/api/schema_paths.py.
"""

import importlib
from importlib.util import find_spec

from django.conf import settings
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter
from rest_framework.fields import ListField
from rest_framework.permissions import AllowAny
from rest_framework.relations import ManyRelatedField, PrimaryKeyRelatedField

from salon.api.exceptions import DRF_CODES
from salon.api.fields import AmountField, IdField, amount_request_schema
from salon.api.idempotency import HEADER, KEY_MAX_LENGTH, REPLAYED_HEADER, IdempotentMixin
from salon.api.schema_paths import HTTP_METHODS, ApiPaths, links_for, segments_of, summary
from salon.converters import ID_SCHEMA
from salon.errors import all_error_classes

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    # What `_idempotent_call` takes: not blank once stripped, at most KEY_MAX_LENGTH.
    type={"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH, "pattern": r"\S"},
    required=False,
    description=(
        f"A unique key (1 to {KEY_MAX_LENGTH} characters, e.g. a UUID) that makes a retry "
        "safe: the same key with the same body returns the first response again, byte for "
        f"byte (with `{REPLAYED_HEADER}: true`) and does nothing more; with another body → "
        "422; while the first request still runs → 409. Keys are kept at least 24 hours, "
        "per user and path."
    ),
)

ERROR_COMPONENT = "Error"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
# Codes the API platform answers itself, outside the DomainError classes and DRF's
# exceptions: salon/api/exceptions.py's handlers and salon/api/idempotency.py's refusals
# (tests/api/test_schema.py fails if a literal code in salon/api is missing here).
PLATFORM_CODES = (
    "invalid",
    "bad_request",
    "server_error",
    "database_unavailable",
    "idempotency_key_reused",
    "idempotency_key_in_progress",
)
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code, description in self._error_responses().items():
                responses.setdefault(code, _error(description))
        return responses

    def _get_response_for_code(self, serializer, status_code, *args, **kwargs):
        response = super()._get_response_for_code(serializer, status_code, *args, **kwargs)
        if str(status_code).startswith(("4", "5")) and "content" not in response:
            # A declared error with only a description (400 "Wrong credentials.") still
            # answers the one error body.
            response["content"] = {"application/json": {"schema": ERROR_REF}}
        return response

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

    def _map_basic_serializer(self, serializer, direction):
        """What a request may send, as narrow as the API takes it, so that generated
        requests (a fuzzer's, R72) reach the rules instead of the field checks: a reference
        to another object is an id (1 up to 18 digits), an amount a plain number, as a JSON
        number or a string (salon/api/fields.py)."""
        schema = super()._map_basic_serializer(serializer, direction)
        if direction != "request":
            return schema
        for field in serializer.fields.values():
            declared = schema.get("properties", {}).get(field.field_name)
            if declared is None:
                continue
            if isinstance(field, ManyRelatedField | ListField):
                field, declared = (
                    getattr(field, "child_relation", None) or field.child,
                    declared.get("items", {}),
                )
            if (
                isinstance(field, PrimaryKeyRelatedField | IdField)
                and declared.get("type") == "integer"
            ):
                declared.update(ID_SCHEMA)
            elif isinstance(field, AmountField):
                for described_as_text in ("type", "format", "pattern"):
                    declared.pop(described_as_text, None)
                declared.update(amount_request_schema(field))
        return schema

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if isinstance(self.view, IdempotentMixin) and self.method in self.view.idempotent_methods:
            parameters = [*parameters, IDEMPOTENCY_KEY_PARAMETER]
        return parameters


# --- the error answers ------------------------------------------------------------------


def error_codes() -> list[str]:
    """Every `code` an error body may carry (R71): each app's DomainError classes (their
    `errors` modules imported first), DRF's errors as the handler names them, and the
    platform's own."""
    for app in settings.INSTALLED_APPS:
        if "." not in app and find_spec(app) is not None and find_spec(f"{app}.errors"):
            importlib.import_module(f"{app}.errors")
    codes = {cls.code for cls in all_error_classes()}
    codes |= set(DRF_CODES.values()) | set(PLATFORM_CODES)
    return sorted(codes)


def error_components() -> dict:
    """One error body for every 4xx/5xx: `{"detail", "code"}`, or field errors
    `{"field": ["message", …]}` (SPEC §11, R71). Named parts, so that a generated client
    gets `ErrorDetail` and `FieldErrors` classes."""
    return {
        ERROR_COMPONENT: {
            "description": (
                "An error. Either `{detail, code}` — `code` is a stable name of the rule that "
                "refused (README, Error codes) — or field errors `{field: [messages]}`."
            ),
            "anyOf": [
                {"$ref": "#/components/schemas/ErrorDetail"},
                {"$ref": "#/components/schemas/FieldErrors"},
            ],
        },
        "ErrorDetail": {
            "type": "object",
            "properties": {
                "detail": {"type": "string"},
                "code": {"type": "string", "enum": error_codes()},
            },
            "required": ["detail", "code"],
        },
        "FieldErrors": {
            "type": "object",
            # Messages per field; a list body's errors come per row, as objects.
            "additionalProperties": {
                "anyOf": [
                    {"type": "array", "items": {}},
                    {"type": "object", "additionalProperties": {}},
                ]
            },
        },
    }


# --- the whole-schema rules -------------------------------------------------------------


def postprocess(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry: the whole-schema rules (module docstring)."""
    paths = result["paths"]
    described = ApiPaths(paths)
    renamed = {}
    for path, item in paths.items():
        new_path, renames = described.renamed(path)
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            operation["operationId"] = described.operation_id(method, path)
            operation.setdefault("summary", summary(operation["operationId"]))
            first = segments_of(path)[0]
            operation["tags"] = [first]
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in renames:
                    parameter["name"] = renames[parameter["name"]]
                    # A router's `{pk}` came as a digit string: one id, one schema.
                    parameter["schema"] = dict(ID_SCHEMA)
            if not operation.get("security") or operation["security"] == [{}]:
                # Anonymous: no credentials at all (R72), not "optional".
                operation["security"] = []
            content = operation.get("requestBody", {}).get("content")
            if content:
                uploads = _uploads_a_file(content, result)
                keep = "multipart/form-data" if uploads else "application/json"
                operation["requestBody"]["content"] = {keep: content[keep]}
        renamed[new_path] = item
    result["paths"] = renamed

    for path, item in renamed.items():
        created = item.get("post", {}).get("responses", {}).get("201")
        if created is not None and not path.endswith("}/"):
            links = links_for(path, renamed)
            if links:
                created["links"] = links

    result["components"]["schemas"].update(error_components())
    tags = sorted({operation["tags"][0] for operation in _operations(result)})
    result["tags"] = [{"name": tag} for tag in tags]
    return result


def _operations(result):
    for item in result["paths"].values():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield operation


def _uploads_a_file(content: dict, result: dict) -> bool:
    """A body with a binary field is a file upload: multipart, the one exception to JSON."""
    schema = content.get("multipart/form-data", {}).get("schema")
    if schema is None:
        return False
    if "$ref" in schema:
        schema = result["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return any(field.get("format") == "binary" for field in schema.get("properties", {}).values())
