"""`python manage.py award_birthdays`: today's birthday points and texts (R63).

Run it daily (the worker or a timer); safe to run any number of times: once per client and
calendar year."""

from django.core.management.base import BaseCommand

from loyalty.birthdays import birthdays_award


class Command(BaseCommand):
    help = "Give birthday points to the clients whose birthday is today."

    def handle(self, *args, **options):
        entries = birthdays_award()
        self.stdout.write(f"Birthday points given to {len(entries)} client(s).")
