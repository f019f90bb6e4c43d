"""The API's one error format (SPEC §11): services raise, this maps, views stay thin."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from salon.errors import DomainError


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
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc) or "Permission denied."}, status=403)
    return drf_exception_handler(exc, context)
