from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    TicketLineDetailView,
    TicketLinesView,
    TicketPaymentDetailView,
    TicketPaymentsView,
    TicketViewSet,
)

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")

urlpatterns = [
    path("tickets/<int:ticket_pk>/lines/", TicketLinesView.as_view(), name="ticket-lines"),
    path(
        "tickets/<int:ticket_pk>/lines/<int:line_pk>/",
        TicketLineDetailView.as_view(),
        name="ticket-line-detail",
    ),
    path("tickets/<int:ticket_pk>/payments/", TicketPaymentsView.as_view(), name="ticket-payments"),
    path(
        "tickets/<int:ticket_pk>/payments/<int:payment_pk>/",
        TicketPaymentDetailView.as_view(),
        name="ticket-payment-detail",
    ),
    *router.urls,
]
