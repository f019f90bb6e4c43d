"""`python manage.py import_clients FILE [--apply]`: moving in from the command line (R82).

The same resource as the admin's Import button (frontdesk/moving_in_resources.py), for a
file too big to preview in a browser: without `--apply` it is the dry run (it changes
nothing) and lists each refused row; with it, the file is applied, all or nothing, and
importing it again changes nothing. Progress is printed every 1,000 rows.
"""

import time
from pathlib import Path

import tablib
from django.core.management.base import BaseCommand, CommandError

from frontdesk.moving_in_resources import ClientMoveInBatchResource

PROGRESS_EVERY = 1000


class Command(BaseCommand):
    help = "Import clients (and opening balances) from a CSV file; a dry run without --apply."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--apply", action="store_true", help="Write the file (default: a dry run)."
        )

    def handle(self, *args, file: Path, apply: bool, **options):
        try:
            text = file.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"Can't read {file}: {error.strerror}.") from None
        dataset = tablib.Dataset().load(text, format="csv")
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            if done % PROGRESS_EVERY == 0 or done == total:
                seconds = time.monotonic() - started
                self.stderr.write(f"{done:,} of {total:,} rows ({seconds:.1f} s)")

        resource = ClientMoveInBatchResource(progress=progress)
        result = resource.import_data(
            dataset, dry_run=not apply, rollback_on_validation_errors=True
        )
        for error in result.base_errors:
            raise CommandError(str(error.error))
        for row in result.invalid_rows:
            for column, messages in row.field_specific_errors.items():
                for message in messages:
                    self.stdout.write(f"Row {row.number}, {column}: {message}")
        for number, errors in result.row_errors():
            for error in errors:
                self.stdout.write(f"Row {number}: {error.error}")
        totals = result.totals
        summary = (
            f"{totals['new']:,} new, {totals['update']:,} opening balances for clients "
            f"already here, {totals['skip']:,} unchanged, {totals['invalid']:,} refused"
        )
        if result.has_errors() or result.has_validation_errors():
            raise CommandError(f"Nothing was imported: {summary}. Correct the rows above.")
        verb = "Imported" if apply else "Dry run, nothing written"
        self.stdout.write(f"{verb}: {summary} in {time.monotonic() - started:.1f} s.")
