from django.urls import path

from frontdesk.api import views

urlpatterns = [
    path("clients/<int:client_id>/log/", views.ClientLogView.as_view(), name="client-log"),
]
