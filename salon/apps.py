from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.urls import register_converter


class SalonConfig(AppConfig):
    name = "salon"
    verbose_name = "Salon settings"

    def ready(self):
        from . import roles
        from .api.fields import refuse_numbers_as_text, refuse_other_values_as_booleans
        from .converters import IdConverter

        refuse_numbers_as_text()
        refuse_other_values_as_booleans()

        # Before any URLconf is imported: every app's paths take ids as `<id:...>`.
        register_converter(IdConverter, "id")

        # Permissions only exist after every app's post_migrate has created them,
        # so the role groups (created by a migration) get theirs here, idempotently.
        post_migrate.connect(
            roles.sync_role_permissions, dispatch_uid="salon.sync_role_permissions"
        )
