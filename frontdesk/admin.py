from django.contrib import admin

from frontdesk import moving_in_admin  # noqa: F401  (registers the import and exports, R82)
from frontdesk.models import ReceiptEmail


@admin.register(ReceiptEmail)
class ReceiptEmailAdmin(admin.ModelAdmin):
    """Receipts e-mailed (R49), read-only: the outbox of e-mail, like Messages for texts."""

    list_display = ["ticket", "to", "status", "created_at", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["ticket"]
    search_fields = ["to"]
    readonly_fields = [
        "ticket", "to", "subject", "body", "purpose", "status", "created_at", "sent_at", "error",
    ]  # fmt: skip
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
