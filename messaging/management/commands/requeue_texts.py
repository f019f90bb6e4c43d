import time

from django.core.management.base import BaseCommand

from messaging.services import texts_requeue_stranded


class Command(BaseCommand):
    help = (
        "Give a new send task to every queued text whose task is overdue (R39): a process "
        "that died between a commit and its enqueue left it with none. Safe to run any "
        "number of times: each text is still sent once."
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
            requeued = texts_requeue_stranded()
            self.stdout.write(f"Requeued {len(requeued)} stranded text(s).")
            if every <= 0:
                return
            time.sleep(every)
