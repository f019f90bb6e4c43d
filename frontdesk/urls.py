"""The front desk's admin pages (served under /admin/frontdesk/, behind admin's login)."""

from django.contrib import admin
from django.urls import path

from frontdesk import views

urlpatterns = [
    path(
        "clients/<int:client_id>/log/",
        admin.site.admin_view(views.client_log_view),
        name="frontdesk-client-log",
    ),
    path("today/", admin.site.admin_view(views.today_view), name="frontdesk-today"),
    path(
        "open-ticket/", admin.site.admin_view(views.ticket_open_view), name="frontdesk-open-ticket"
    ),
]
