"""An admin page of our own, wired once (#12): behind admin's login, its staff check and its
CSRF and cache rules (AdminSite.admin_view), under admin's URL space."""

from django.contrib import admin
from django.urls import path


def admin_page(route: str, view, name: str, *, site: admin.AdminSite = admin.site):
    """The URL pattern of a page served by `view` inside the admin site."""
    return path(route, site.admin_view(view), name=name)
