from django.apps import AppConfig


class FrontdeskConfig(AppConfig):
    """Pages and reads that compose several apps for the front desk: the Client Log (R28),
    the admin dashboard, the payment area of a ticket. It sits at the bottom of the
    dependency chain: it may import every app, and no app imports it."""

    name = "frontdesk"
    verbose_name = "Front desk"
