"""`?updated_since=<ISO time>` on the lists an app syncs (R75): clients, appointments and
tickets. A filter backend, so that each list adopts it with one declaration and the schema
lists the parameter (drf-spectacular reads get_schema_operation_parameters)."""

from rest_framework import filters

from salon.api.query import DateTime, Query

UPDATED_SINCE = Query(
    DateTime(
        "updated_since",
        description=(
            "Only objects changed at or after this time (ISO 8601, e.g. "
            "2026-11-30T09:00:00Z): pass the time of your last sync."
        ),
    )
)


class UpdatedSinceFilter(filters.BaseFilterBackend):
    """Only the objects changed at or after the given time (an ISO 8601 date-time; without
    an offset it is the salon's time zone). A bad value is 400 `invalid_query_parameter`
    (salon/api/query.py)."""

    def filter_queryset(self, request, queryset, view):
        since = UPDATED_SINCE.read(request)["updated_since"]
        if since is None:
            return queryset
        return queryset.filter(updated_at__gte=since)

    def get_schema_operation_parameters(self, view):
        return [parameter.declared() for parameter in UPDATED_SINCE.parameters]
