"""`python manage.py review_tiers`: the monthly tier downgrade review (R61).

Run it daily (the worker or a timer); it acts on the 1st of the month, in the salon's time
zone, and is safe to run any number of times."""

from django.core.management.base import BaseCommand

from loyalty.tiers import tiers_review


class Command(BaseCommand):
    help = "On the 1st of the month, move clients whose tier has expired to the tier they keep."

    def handle(self, *args, **options):
        changes = tiers_review()
        self.stdout.write(f"{len(changes)} client(s) moved to a lower tier or none.")
