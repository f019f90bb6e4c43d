"""The API's one error format (SPEC §11, R71): services raise, this maps, views stay thin.

Every `{"detail": …}` answer carries a stable `"code"`; field errors keep
`{"field": ["message", …]}`."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from salon.errors import DomainError

API_PREFIX = "/api/"
# A database that is briefly away (a statement timeout, a lock wait, a dropped connection, a
# failover) is answered 503 with a hint to retry; the failed request has changed nothing.
DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE_MESSAGE = "The service is briefly unavailable; nothing was changed. Retry."

# DRF's own errors, named as the README's list of codes names them.
DRF_CODES = {
    drf_exceptions.ParseError: "malformed_json",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.PermissionDenied: "permission_denied",
    drf_exceptions.NotFound: "not_found",
    Http404: "not_found",  # get_object_or_404: DRF answers it as NotFound
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.NotAcceptable: "not_acceptable",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.Throttled: "throttled",
}

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    """Map service errors to the API's one error format: {"field": [..]} or {"detail": ".."}."""
    if isinstance(exc, DomainError):
        return Response(exc.as_response_data(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {
                ("detail" if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
            if list(data) == ["detail"]:
                data = {"detail": " ".join(data["detail"])}
        else:
            data = {"detail": " ".join(exc.messages)}
        if "detail" in data:
            data["code"] = "invalid"
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        return Response(
            {"detail": str(exc) or "Permission denied.", "code": "permission_denied"},
            status=403,
        )
    if isinstance(exc, OperationalError | InterfaceError):
        logger.warning("Database unavailable during %s", _request_line(context), exc_info=exc)
        return Response(
            {"detail": DATABASE_UNAVAILABLE_MESSAGE, "code": "database_unavailable"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS)},
        )
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = _detail_as_text(response.data)
        if isinstance(response.data, dict) and "detail" in response.data:
            response.data["code"] = _drf_code(exc)
    return response


def _drf_code(exc) -> str:
    for exception_class, code in DRF_CODES.items():
        if isinstance(exc, exception_class):
            return code
    return "invalid"


def _request_line(context) -> str:
    request = context.get("request")
    return f"{request.method} {request.path}" if request is not None else "a request"


def _detail_as_text(data):
    """DRF's errors that belong to no field (a serializer's validate(), a bare
    ValidationError) come as a list or under "non_field_errors": make them {"detail": ".."}."""
    if isinstance(data, list) and all(isinstance(message, str) for message in data):
        return {"detail": " ".join(data)}
    if not isinstance(data, dict):
        return data
    data = dict(data)
    messages = data.pop(api_settings.NON_FIELD_ERRORS_KEY, None)
    if messages is None and isinstance(data.get("detail"), list):
        messages = data.pop("detail")
    if messages is not None:
        data["detail"] = " ".join(str(message) for message in messages)
    return data


def bad_request(request, exception):
    """handler400: a JSON 400 under /api/ (a body above DATA_UPLOAD_MAX_MEMORY_SIZE, a
    suspicious request), Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"detail": str(exception) or "Bad request.", "code": "bad_request"}, status=400
        )
    return defaults.bad_request(request, exception)


def page_not_found(request, exception):
    """handler404: a JSON 404 under /api/ (an app gets the API's error format for an unknown
    path too), Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: a JSON 500 under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Server error.", "code": "server_error"}, status=500)
    return defaults.server_error(request)
