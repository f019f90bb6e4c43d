from django.apps import AppConfig
from django.db.models.signals import post_save


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = "Rewards & Referrals"

    def ready(self):
        from clients.signals import client_merged
        from loyalty import receivers, ticket_points
        from tickets import signals as ticket_signals
        from tickets.annotations import ticket_annotation_register

        # tickets shows what a closed ticket earned without knowing loyalty (R48).
        ticket_annotation_register(name="points_earned", expression=ticket_points.points_earned)
        ticket_annotation_register(
            name="referrer_points_earned", expression=ticket_points.referrer_points_earned
        )

        ticket_signals.ticket_closed.connect(
            receivers.ticket_closed, dispatch_uid="loyalty.ticket_closed"
        )
        ticket_signals.ticket_adjusted.connect(
            receivers.ticket_adjusted, dispatch_uid="loyalty.ticket_adjusted"
        )
        ticket_signals.ticket_voided.connect(
            receivers.ticket_voided, dispatch_uid="loyalty.ticket_voided"
        )
        ticket_signals.payment_removed.connect(
            receivers.payment_removed, dispatch_uid="loyalty.payment_removed"
        )
        client_merged.connect(receivers.client_merged, dispatch_uid="loyalty.client_merged")
        post_save.connect(
            receivers.feedback_saved,
            sender="feedback.Feedback",
            dispatch_uid="loyalty.feedback_saved",
        )
