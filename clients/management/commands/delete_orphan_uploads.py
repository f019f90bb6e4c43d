from datetime import timedelta

from django.core.management.base import BaseCommand

from clients.uploads import client_files_orphans_delete


class Command(BaseCommand):
    help = (
        "Delete stored client files that no upload row names (left by an upload whose "
        "transaction failed after the bytes were written), once they are old enough that "
        "no upload can still be in flight."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-hours",
            type=int,
            default=24,
            metavar="HOURS",
            help="Only files at least this old (default 24).",
        )

    def handle(self, *args, older_than_hours: int = 24, **options):
        deleted = client_files_orphans_delete(older_than=timedelta(hours=older_than_hours))
        for path in deleted:
            self.stdout.write(f"Deleted {path}")
        self.stdout.write(f"Deleted {len(deleted)} orphan upload(s).")
