from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self):
        from catalog.signals import item_kind_changed
        from clients.signals import client_merge_locking, client_merged

        from . import receivers

        client_merged.connect(
            receivers.client_merged, dispatch_uid="tickets.receivers.client_merged"
        )
        client_merge_locking.connect(
            receivers.client_merge_locking, dispatch_uid="tickets.receivers.client_merge_locking"
        )
        item_kind_changed.connect(
            receivers.item_kind_changed, dispatch_uid="tickets.receivers.item_kind_changed"
        )
