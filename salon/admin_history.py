"""The audit history page in admin (django-simple-history): who changed what, and when."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """A model admin with a "History" page. Old versions are shown, never saved back: a change
    goes through the model's service from its own form (SIMPLE_HISTORY_REVERT_DISABLED)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied("An old version can be viewed, not saved back.")
        return super().history_form_view(request, object_id, version_id, extra_context)
