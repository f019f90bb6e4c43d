"""The front desk's admin pages (served under /admin/frontdesk/, behind admin's login)."""

from django.contrib import admin
from django.urls import path

from frontdesk import views

urlpatterns = [
    path(
        "clients/<id:client_id>/log/",
        admin.site.admin_view(views.client_log_view),
        name="frontdesk-client-log",
    ),
    path("today/", admin.site.admin_view(views.today_view), name="frontdesk-today"),
    path(
        "tickets/<id:ticket_id>/receipt/",
        admin.site.admin_view(views.receipt_view),
        name="frontdesk-receipt",
    ),
    path(
        "tickets/<id:ticket_id>/receipt/send/",
        admin.site.admin_view(views.receipt_send_view),
        name="frontdesk-receipt-send",
    ),
    path(
        "open-ticket/", admin.site.admin_view(views.ticket_open_view), name="frontdesk-open-ticket"
    ),
]
