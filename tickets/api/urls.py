from django.urls import path

from salon.api.routers import Router

from .views import (
    TicketLineDetailView,
    TicketLinesView,
    TicketPaymentDetailView,
    TicketPaymentsView,
    TicketTipDetailView,
    TicketTipsView,
    TicketViewSet,
)

router = Router()
router.register("tickets", TicketViewSet, basename="ticket")

urlpatterns = [
    path("tickets/<id:ticket_pk>/lines/", TicketLinesView.as_view(), name="ticket-lines"),
    path(
        "tickets/<id:ticket_pk>/lines/<id:line_pk>/",
        TicketLineDetailView.as_view(),
        name="ticket-line-detail",
    ),
    path("tickets/<id:ticket_pk>/payments/", TicketPaymentsView.as_view(), name="ticket-payments"),
    path(
        "tickets/<id:ticket_pk>/payments/<id:payment_pk>/",
        TicketPaymentDetailView.as_view(),
        name="ticket-payment-detail",
    ),
    path("tickets/<id:ticket_pk>/tips/", TicketTipsView.as_view(), name="ticket-tips"),
    path(
        "tickets/<id:ticket_pk>/tips/<id:tip_pk>/",
        TicketTipDetailView.as_view(),
        name="ticket-tip-detail",
    ),
    *router.urls,
]
