from django.contrib import admin

from appointments.admin import ServiceAddAdmin, run_on_each
from feedback.models import Feedback
from feedback.services import SHARE_PERMISSION, feedback_record, feedback_share
from salon.forms import ServiceModelForm


class FeedbackRecordForm(ServiceModelForm):
    """New feedback, recorded (and validated) by feedback_record (R37)."""

    class Meta:
        model = Feedback
        fields = ["client", "ticket", "rating", "comment", "share_permission", "source"]

    def run_service(self, cleaned_data):
        return feedback_record(**cleaned_data)


@admin.register(Feedback)
class FeedbackAdmin(ServiceAddAdmin):
    add_form = FeedbackRecordForm
    list_display = [
        "created_at",
        "client",
        "ticket",
        "rating",
        "share_permission",
        "shared",
        "source",
    ]
    list_select_related = ["client", "ticket"]
    list_filter = ["rating", "share_permission", "shared", "source"]
    search_fields = ["client__first_name", "client__last_name", "comment"]
    autocomplete_fields = ["client"]
    raw_id_fields = ["ticket"]
    show_full_result_count = False
    actions = ["mark_shared"]

    @admin.action(description="Mark as shared", permissions=["share"])
    def mark_shared(self, request, queryset):
        run_on_each(
            self,
            request,
            queryset,
            lambda feedback: feedback_share(feedback=feedback, user=request.user),
            "marked as shared",
        )

    def has_share_permission(self, request):
        return request.user.has_perm(SHARE_PERMISSION)
