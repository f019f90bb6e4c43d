from django.urls import path

from messaging.api.views import sms_inbound

urlpatterns = [
    path("sms/inbound/", sms_inbound, name="sms-inbound"),
]
