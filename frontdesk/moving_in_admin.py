"""Moving in (R82) on the admin's Clients list and the ledger: django-import-export's
Import button with its preview-then-confirm pages, and CSV exports (Manager, SPEC §10).

clients may not import loyalty (SPEC §1), and the import posts opening balances, so the
Clients admin gains its buttons here, in the app that composes the others: the admin
registered by clients is extended, not copied.
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats.base_formats import CSV

from clients.models import Client
from frontdesk.moving_in_resources import (
    ClientExportResource,
    ClientMoveInResource,
    LedgerExportResource,
)
from loyalty.models import PointsEntry

ClientAdminBase = type(admin.site.get_model_admin(Client))
LedgerAdminBase = type(admin.site.get_model_admin(PointsEntry))


def _row_refusals(result) -> str:
    """The first refusals of a file that changed since its preview, in plain English."""
    lines = []
    for row in result.invalid_rows[:5]:
        for column, refusals in row.field_specific_errors.items():
            lines += [f"row {row.number}, {column}: {refusal}" for refusal in refusals]
    return "; ".join(lines)


class ClientAdmin(ImportExportMixin, ClientAdminBase):
    formats = [CSV]
    import_error_display = ("message",)

    def get_import_resource_classes(self, request):
        return [ClientMoveInResource]

    def get_export_resource_classes(self, request):
        return [ClientExportResource]

    def get_import_data_kwargs(self, **kwargs):
        # Applying is all or nothing: a row refused at confirmation (another client took
        # its phone since the preview) rolls the whole file back.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def process_result(self, result, request):
        if result.has_validation_errors() or result.has_errors():
            self.message_user(
                request,
                "Nothing was imported: the file no longer passes its checks ("
                + (_row_refusals(result) or "a row could not be saved")
                + "). Import it again to see its preview.",
                level=messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:clients_client_import"))
        return super().process_result(result, request)


class LedgerAdmin(ExportMixin, LedgerAdminBase):
    formats = [CSV]

    def get_export_resource_classes(self, request):
        return [LedgerExportResource]


admin.site.unregister(Client)
admin.site.register(Client, ClientAdmin)
admin.site.unregister(PointsEntry)
admin.site.register(PointsEntry, LedgerAdmin)
