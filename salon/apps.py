from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SalonConfig(AppConfig):
    name = "salon"
    verbose_name = "Salon settings"

    def ready(self):
        from . import roles

        # Permissions only exist after every app's post_migrate has created them,
        # so the role groups (created by a migration) get theirs here, idempotently.
        post_migrate.connect(
            roles.sync_role_permissions, dispatch_uid="salon.sync_role_permissions"
        )
