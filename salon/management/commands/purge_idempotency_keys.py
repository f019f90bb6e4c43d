from django.core.management.base import BaseCommand

from salon.services import idempotency_records_purge


class Command(BaseCommand):
    help = (
        "Delete Idempotency-Key records older than IDEMPOTENCY_KEY_RETENTION_HOURS (SPEC §11). "
        "Safe to run at any time; run it daily from cron or the task worker."
    )

    def handle(self, *args, **options):
        deleted = idempotency_records_purge()
        self.stdout.write(f"Deleted {deleted} idempotency record(s).")
