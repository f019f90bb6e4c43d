import time

from django.core.management.base import BaseCommand

from appointments.services import confirmations_send_due


class Command(BaseCommand):
    help = (
        "Text a confirmation request for every booked appointment due one (R38). Safe to run "
        "any number of times: each appointment is asked once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running, checking every SECONDS (default: run once and exit).",
        )

    def handle(self, *args, every: int = 0, **options):
        while True:
            queued = confirmations_send_due()
            self.stdout.write(f"Queued {queued} confirmation request(s).")
            if every <= 0:
                return
            time.sleep(every)
