"""The front desk's admin pages (served under /admin/frontdesk/, behind admin's login)."""

from django.contrib import admin
from django.urls import path

from frontdesk import checkout_previews, checkout_views, views


def _checkout(route: str, view, name: str):
    return path(f"tickets/<id:ticket_id>/checkout/{route}", admin.site.admin_view(view), name=name)


urlpatterns = [
    path(
        "clients/<id:client_id>/log/",
        admin.site.admin_view(views.client_log_view),
        name="frontdesk-client-log",
    ),
    path(
        "appointments/<id:appointment_id>/<str:move>/",
        admin.site.admin_view(views.appointment_move_view),
        name="frontdesk-appointment-move",
    ),
    path(
        "manager/",
        admin.site.admin_view(views.manager_dashboard_view),
        name="frontdesk-manager-dashboard",
    ),
    path(
        "reports/loyalty/",
        admin.site.admin_view(views.loyalty_report_view),
        name="frontdesk-loyalty-report",
    ),
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
    _checkout("", checkout_views.checkout_view, "frontdesk-checkout"),
    _checkout("preview/", checkout_previews.line_preview_view, "frontdesk-checkout-preview"),
    _checkout("change/", checkout_previews.change_preview_view, "frontdesk-checkout-change"),
    _checkout("clients/", checkout_previews.client_search_view, "frontdesk-checkout-client-search"),
    _checkout("client/", checkout_views.client_set_view, "frontdesk-checkout-client"),
    _checkout("lines/", checkout_views.line_add_view, "frontdesk-checkout-line-add"),
    _checkout(
        "lines/<id:line_id>/staff/",
        checkout_views.line_staff_view,
        "frontdesk-checkout-line-staff",
    ),
    _checkout(
        "lines/<id:line_id>/remove/",
        checkout_views.line_remove_view,
        "frontdesk-checkout-line-remove",
    ),
    _checkout("tips/", checkout_views.tip_add_view, "frontdesk-checkout-tip-add"),
    _checkout(
        "tips/<id:tip_id>/remove/", checkout_views.tip_remove_view, "frontdesk-checkout-tip-remove"
    ),
    _checkout("payments/", checkout_views.payment_add_view, "frontdesk-checkout-payment-add"),
    _checkout(
        "payments/<id:payment_id>/remove/",
        checkout_views.payment_remove_view,
        "frontdesk-checkout-payment-remove",
    ),
    _checkout("redeem/", checkout_views.redeem_view, "frontdesk-checkout-redeem"),
    _checkout("close/", checkout_views.close_view, "frontdesk-checkout-close"),
    _checkout("receipt/send/", checkout_views.receipt_send_view, "frontdesk-checkout-receipt-send"),
]
