from django.apps import AppConfig
from django.db.models.signals import post_save


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments"

    def ready(self):
        from appointments import receivers
        from clients.signals import client_merged
        from messaging.signals import sms_received

        post_save.connect(
            receivers.ticket_saved,
            sender="tickets.Ticket",
            dispatch_uid="appointments.ticket_saved",
        )
        client_merged.connect(receivers.client_merged, dispatch_uid="appointments.client_merged")
        sms_received.connect(receivers.sms_received, dispatch_uid="appointments.sms_received")
