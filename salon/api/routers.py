"""The API's router: DRF's SimpleRouter with ids that are numbers (salon/converters.py).

DRF matches any `[^/.]+` as the id, and a view that looks its object up by hand
(`get_object_or_404(Ticket, pk=pk)`) then fails with a 500 on `/tickets/true/close/`
(found by the API fuzzing, tests/security). Here such a path is simply not found (404).
"""

from rest_framework.routers import SimpleRouter

from salon.converters import IdConverter


class Router(SimpleRouter):
    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        value = getattr(viewset, "lookup_value_regex", IdConverter.regex)
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{value})"
