"""`?updated_since=<ISO time>` on the lists an app syncs (R75): clients, appointments and
tickets. A filter backend, so that each list adopts it with one declaration and the schema
lists the parameter (drf-spectacular reads get_schema_operation_parameters)."""

from datetime import UTC

from rest_framework import filters, serializers

PARAMETER = "updated_since"


class UpdatedSinceFilter(filters.BaseFilterBackend):
    """Only the objects changed at or after the given time (an ISO 8601 date-time; without
    an offset it is the salon's time zone). A bad value is 400 naming the parameter."""

    def filter_queryset(self, request, queryset, view):
        value = request.query_params.get(PARAMETER)
        if value is None:
            return queryset
        try:
            # In UTC here: a time at the edge of the calendar (year 1 or 9999) can't be
            # converted, and would fail in the database as a 500.
            since = serializers.DateTimeField().to_internal_value(value).astimezone(UTC)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({PARAMETER: error.detail}) from None
        except OverflowError:
            raise serializers.ValidationError({PARAMETER: ["This time is out of range."]}) from None
        return queryset.filter(updated_at__gte=since)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": PARAMETER,
                "in": "query",
                "required": False,
                "description": (
                    "Only objects changed at or after this time (ISO 8601, e.g. "
                    "2026-11-30T09:00:00Z): pass the time of your last sync."
                ),
                "schema": {"type": "string", "format": "date-time"},
            }
        ]
