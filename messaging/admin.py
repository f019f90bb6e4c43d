from django.contrib import admin

from messaging.models import Message, OptOut


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The text log (R39) is read-only: texts are only written by the services."""

    list_display = ("created_at", "direction", "to_number", "from_number", "status", "purpose")
    list_filter = ("direction", "status")
    search_fields = ("to_number", "from_number", "purpose", "body")
    list_select_related = ("client",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ("phone", "created_at")
    search_fields = ("phone",)
    readonly_fields = ("phone", "created_at")

    # A number joins the list only by texting STOP and leaves it only by texting START:
    # its owner's own word, which staff can't override (SPEC §1).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
