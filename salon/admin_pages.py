"""Admin page shapes written once (#12): a page of our own served by a view behind admin's
login, its staff check and its CSRF and cache rules (AdminSite.admin_view), under admin's
URL space; its permission check; the page of a model that has one row; a read-only record."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path


def admin_page(route: str, view, name: str, *, site: admin.AdminSite = admin.site):
    """The URL pattern of a page served by `view` inside the admin site."""
    return path(route, site.admin_view(view), name=name)


def permission_require(request, permission: str) -> None:
    """A page of our own refuses (403) a signed-in staff member without `permission`."""
    if not request.user.has_perm(permission):
        raise PermissionDenied


class SingleRowAdmin:
    """A model with one row (features, salon settings, loyalty settings): no add, no delete,
    and the list opens the row. `row` is the selector that returns it (creating it)."""

    row = None

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        options = self.model._meta
        return redirect(f"admin:{options.app_label}_{options.model_name}_change", self.row().pk)


class ReadOnlyAdmin:
    """A record nobody edits in admin (the ledger, messages, adjustments, tier changes…):
    shown, never added, changed or deleted there; services write it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
