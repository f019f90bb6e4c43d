"""Management commands that run once (cron, a systemd timer) or keep running (`--every`)."""

import time

from django.core.management.base import BaseCommand


class PeriodicCommand(BaseCommand):
    """Runs `run_once()` and prints what it says; with `--every SECONDS`, again and again."""

    def run_once(self) -> str:
        raise NotImplementedError

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
            self.stdout.write(self.run_once())
            if every <= 0:
                return
            time.sleep(every)
