"""The front desk's admin pages (served under /admin/frontdesk/, behind admin's login)."""

from frontdesk import checkout_previews, checkout_views, views
from salon.admin_pages import admin_page


def _checkout(route: str, view, name: str):
    return admin_page(f"tickets/<id:ticket_id>/checkout/{route}", view, name)


urlpatterns = [
    admin_page("clients/<id:client_id>/log/", views.client_log_view, "frontdesk-client-log"),
    admin_page(
        "appointments/<id:appointment_id>/<str:move>/",
        views.appointment_move_view,
        "frontdesk-appointment-move",
    ),
    admin_page("manager/", views.manager_dashboard_view, "frontdesk-manager-dashboard"),
    admin_page("reports/loyalty/", views.loyalty_report_view, "frontdesk-loyalty-report"),
    admin_page("tickets/<id:ticket_id>/receipt/", views.receipt_view, "frontdesk-receipt"),
    admin_page(
        "tickets/<id:ticket_id>/receipt/send/", views.receipt_send_view, "frontdesk-receipt-send"
    ),
    admin_page("open-ticket/", views.ticket_open_view, "frontdesk-open-ticket"),
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
