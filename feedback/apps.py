from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback"

    def ready(self):
        from clients.signals import client_merged
        from feedback import receivers

        client_merged.connect(receivers.client_merged, dispatch_uid="feedback.client_merged")
