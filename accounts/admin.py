from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import PhoneVerification, User
from salon.admin_pages import ReadOnlyAdmin

admin.site.register(User, UserAdmin)


@admin.register(PhoneVerification)
class PhoneVerificationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only, for answering "I never got my code": when codes went out and how they
    were used. The code itself is never shown (only its hash is kept)."""

    list_display = ["phone", "client", "created_at", "expires_at", "attempts", "used_at"]
    list_select_related = ["client"]
    list_filter = ["created_at"]
    search_fields = ["phone", "client__first_name", "client__last_name"]
    fields = ["phone", "client", "created_at", "expires_at", "attempts", "used_at"]
    readonly_fields = fields
    date_hierarchy = "created_at"
    show_full_result_count = False
