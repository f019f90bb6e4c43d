"""`python manage.py ledger_check`: every balance total equals the sum of its entries (R18)."""

from django.core.management.base import BaseCommand, CommandError

from loyalty.selectors import ledger_disagreements


class Command(BaseCommand):
    help = "Check that every client's points balance equals the sum of its ledger entries."

    def handle(self, *args, **options):
        disagreements = ledger_disagreements()
        for client_id, total, entries in disagreements:
            self.stderr.write(
                f"Client #{client_id}: balance total {total} but entries sum to {entries}."
            )
        if disagreements:
            raise CommandError(f"{len(disagreements)} client balance(s) disagree with the ledger.")
        self.stdout.write(self.style.SUCCESS("Every points balance equals its ledger entries."))
