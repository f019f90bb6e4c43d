from django.urls import path

from frontdesk.api import views

urlpatterns = [
    path("clients/<id:client_id>/log/", views.ClientLogView.as_view(), name="client-log"),
    path(
        "tickets/<id:ticket_id>/receipt/",
        views.TicketReceiptView.as_view(),
        name="ticket-receipt",
    ),
    path(
        "tickets/<id:ticket_id>/receipt/send/",
        views.TicketReceiptSendView.as_view(),
        name="ticket-receipt-send",
    ),
]
