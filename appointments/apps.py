from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments"

    def ready(self):
        from appointments import receivers
        from clients.signals import client_merged
        from messaging.signals import sms_received

        client_merged.connect(receivers.client_merged, dispatch_uid="appointments.client_merged")
        sms_received.connect(receivers.sms_received, dispatch_uid="appointments.sms_received")
