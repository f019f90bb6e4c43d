"""The OpenAPI schema class of the API (SPEC §11): drf-spectacular's, plus the
Idempotency-Key header on every operation of a view that honours it."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter

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


class AutoSchema(openapi.AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if isinstance(self.view, IdempotentMixin) and self.method in self.view.idempotent_methods:
            parameters = [*parameters, IDEMPOTENCY_KEY_PARAMETER]
        return parameters
