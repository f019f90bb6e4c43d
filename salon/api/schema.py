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
  decorator (docs/decisions.md, #15).
"""

import importlib
import re
from importlib.util import find_spec

from django.conf import settings
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter
from rest_framework.fields import ListField
from rest_framework.permissions import AllowAny
from rest_framework.relations import ManyRelatedField, PrimaryKeyRelatedField

from salon.api.exceptions import DRF_CODES
from salon.api.fields import IdField
from salon.api.idempotency import HEADER, KEY_MAX_LENGTH, REPLAYED_HEADER, IdempotentMixin
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
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


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
        to another object is an id (1 up to 18 digits), an amount a plain number
        (salon/api/fields.py)."""
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
            elif getattr(field, "request_pattern", None):
                declared["pattern"] = field.request_pattern
        return schema

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if isinstance(self.view, IdempotentMixin) and self.method in self.view.idempotent_methods:
            parameters = [*parameters, IDEMPOTENCY_KEY_PARAMETER]
        return parameters


# --- the whole-schema rules -------------------------------------------------------------

API_PREFIX = "/api/v1/"
# Operations whose path says little about what they do: named here, once.
OPERATION_IDS = {
    ("post", "auth/token/"): "sign_in",
    ("post", "auth/logout/"): "sign_out",
    ("post", "auth/logout-all/"): "sign_out_everywhere",
    ("post", "signup/"): "sign_up",
    ("post", "signup/verify/"): "verify_sign_up",
}


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


def _segments(path: str) -> list[str]:
    return [segment for segment in path.removeprefix(API_PREFIX).split("/") if segment]


def _is_param(segment: str) -> bool:
    return segment.startswith("{")


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _word(segment: str) -> str:
    return {"me": "my"}.get(segment, segment.replace("-", "_"))


class _Paths:
    """What each path is, from the set of all paths: a collection (a list to read or add
    to, or the parent of `{…}` objects), one object, an action on an object, or a singleton."""

    def __init__(self, paths: dict):
        self.paths = paths
        self.templates = {tuple(_segments(path)) for path in paths}

    def is_collection(self, segments: tuple) -> bool:
        if any(
            len(other) == len(segments) + 1 and other[:-1] == segments and _is_param(other[-1])
            for other in self.templates
        ):
            return True
        item = self.paths.get(API_PREFIX + "/".join(segments) + "/", {})
        listed = item.get("get", {}).get("responses", {}).get("200", {})
        schema = listed.get("content", {}).get("application/json", {}).get("schema", {})
        ref = schema.get("$ref", "")
        return schema.get("type") == "array" or ref.startswith("#/components/schemas/Paginated")

    def operation_id(self, method: str, path: str) -> str:
        segments = tuple(_segments(path))
        if (method, "/".join(segments) + "/") in OPERATION_IDS:
            return OPERATION_IDS[(method, "/".join(segments) + "/")]
        literals = [segment for segment in segments if not _is_param(segment)]
        # The noun phrase: every owner before a `{…}` in the singular ("ticket line").
        nouns = [
            _word(_singular(segment) if _is_param((*segments, "")[i + 1]) else segment)
            for i, segment in enumerate(segments)
            if not _is_param(segment)
        ]
        if _is_param(segments[-1]):
            verb = {"get": "get", "patch": "update", "put": "replace", "delete": "delete"}[method]
            return f"{verb}_{'_'.join(nouns)}"
        if self.is_collection(segments):
            if method == "get":
                return f"list_{'_'.join(nouns)}"
            if method == "post":  # adds one
                nouns[-1] = _word(_singular(literals[-1]))
            verb = {"post": "create", "delete": "delete", "put": "replace", "patch": "update"}
            return f"{verb[method]}_{'_'.join(nouns)}"
        created = "201" in self.paths[path].get(method, {}).get("responses", {})
        if method == "post" and created and not _is_param(("", *segments)[-2]):
            nouns[-1] = _word(_singular(literals[-1]))
            return f"create_{'_'.join(nouns)}"
        if method == "post" and len(segments) > 1:
            # An action on what precedes it: POST /tickets/{id}/close/ → close_ticket.
            return f"{nouns[-1]}_{'_'.join(nouns[:-1])}"
        if nouns == ["my"]:
            nouns = ["me"]
        verb = {"get": "get", "patch": "update", "put": "replace", "post": "create"}
        return f"{verb.get(method, method)}_{'_'.join(nouns)}"


def _summary(operation_id: str) -> str:
    words = operation_id.replace("_", " ")
    words = re.sub(r"\bmy\b", "own", words)
    words = re.sub(r"^get\b", "read", words)
    return words[0].upper() + words[1:]


def _rename_path_parameters(path: str) -> tuple[str, dict[str, str]]:
    """One rule for path parameter names: `{id}` is the object the path ends at or acts on;
    the owner of a nested collection is `{<owner>_id}` (`/tickets/{ticket_id}/lines/{id}/`).
    A parameter that is not a number (a rule's `{action}`) keeps its name."""
    segments = _segments(path)
    # The last `{…}` names the object unless a collection follows it.
    renames, last_param = {}, max(i for i, s in enumerate(segments) if _is_param(s))
    for i, segment in enumerate(segments):
        if not _is_param(segment):
            continue
        old = segment[1:-1]
        if old == "action":
            continue
        is_object = i == last_param and not _followed_by_collection(segments, i)
        renames[old] = "id" if is_object else f"{_singular(segments[i - 1]).replace('-', '_')}_id"
    new_path = path
    for old, new in renames.items():
        new_path = new_path.replace("{" + old + "}", "{" + new + "}")
    return new_path, renames


# Literal segments after an object that name a collection of its own, not an action or a
# view of the object (`/clients/{id}/rewards/` is the client's box; `…/entries/` a list).
_NESTED_COLLECTIONS: set[tuple] = set()


def _followed_by_collection(segments: list[str], index: int) -> bool:
    return any(
        tuple(segments[: index + 1 + n]) in _NESTED_COLLECTIONS
        for n in range(1, len(segments) - index)
    )


def _links_for(create_path: str, paths: dict) -> dict:
    """Links from a create's 201 to every operation on the new object (`{id}` or
    `{<owner>_id}` that is it), so stateful fuzzing and readers chain the calls."""
    links = {}
    owner = _singular(_segments(create_path)[-1]).replace("-", "_")
    for path, item in paths.items():
        if not path.startswith(create_path) or path == create_path:
            continue
        rest = path[len(create_path) :]
        match = re.match(r"\{(\w+)\}/", rest)
        if not match or match.group(1) not in ("id", f"{owner}_id"):
            continue
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            name = "".join(part.title() for part in operation["operationId"].split("_"))
            parameters = {match.group(1): "$response.body#/id"}
            for name_in_both in re.findall(r"\{(\w+)\}", create_path):
                parameters[name_in_both] = f"$request.path.{name_in_both}"
            links[name] = {"operationId": operation["operationId"], "parameters": parameters}
    return links


def postprocess(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry: the whole-schema rules (module docstring)."""
    paths = result["paths"]
    described = _Paths(paths)
    _NESTED_COLLECTIONS.clear()
    for segments in described.templates:
        for i in range(1, len(segments)):
            prefix = tuple(segments[: i + 1])
            after_an_object = any(_is_param(segment) for segment in segments[:i])
            if after_an_object and not _is_param(segments[i]) and described.is_collection(prefix):
                _NESTED_COLLECTIONS.add(prefix)

    renamed = {}
    for path, item in paths.items():
        renames = {}
        new_path = path
        if "{" in path:
            new_path, renames = _rename_path_parameters(path)
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            operation["operationId"] = described.operation_id(method, path)
            operation.setdefault("summary", _summary(operation["operationId"]))
            first = _segments(path)[0]
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
            links = _links_for(path, renamed)
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
