"""`python manage.py ledger_check`: every balance total equals the sum of its entries (R18),
every lot adds up (R52-R54), every balance row's stored next expiry and debt are its lots'
(P2), every client's stored qualifying spend equals what their tickets' lines sum to (R61),
and the report's summed months still equal their entries (R81)."""

from django.core.management.base import BaseCommand, CommandError

from loyalty.ledger_months import ledger_month_disagreements
from loyalty.selectors import (
    ledger_disagreements,
    lot_balance_disagreements,
    lot_disagreements,
    lot_figures_disagreements,
)
from tickets.spend import daily_spend_disagreements


class Command(BaseCommand):
    help = (
        "Check that every client's points balance equals the sum of its ledger entries and "
        "of its lots, that its stored next expiry and debt are its lots', that every lot's "
        "points = what it still holds + drawn + expired, and "
        "that every client's stored daily qualifying spend equals their tickets' lines."
    )

    def handle(self, *args, **options):
        problems = 0
        for client_id, total, entries in ledger_disagreements():
            problems += 1
            self.stderr.write(
                f"Client #{client_id}: balance total {total} but entries sum to {entries}."
            )
        for client_id, total, lots in lot_balance_disagreements():
            problems += 1
            self.stderr.write(
                f"Client #{client_id}: balance total {total} but lots hold {lots} in all."
            )
        for found in lot_figures_disagreements():
            problems += 1
            self.stderr.write(
                f"Client #{found.client_id}: balance row keeps next expiry {found.stored[0]} "
                f"({found.stored[1]} points) and debt {found.stored[2]}, but the lots say "
                f"{found.lots[0]} ({found.lots[1]} points) and debt {found.lots[2]}."
            )
        for lot in lot_disagreements():
            problems += 1
            self.stderr.write(
                f"Lot of entry #{lot.lot_id} (client #{lot.client_id}): {lot.points} points "
                f"but {lot.remaining} held + {lot.drawn} drawn + {lot.expired} expired."
            )
        for client_id, day, stored, recomputed in daily_spend_disagreements():
            problems += 1
            self.stderr.write(
                f"Client #{client_id}: qualifying spend of {day} (UTC) stored as {stored} but "
                f"their tickets' lines sum to {recomputed}."
            )
        for month, kind, action, summed, entries in ledger_month_disagreements():
            problems += 1
            self.stderr.write(
                f"Month {month:%Y-%m}, {kind} {action}: summed {summed} but entries sum to "
                f"{entries} (run sum_ledger_months again after deleting that month's rows)."
            )
        if problems:
            raise CommandError(
                f"{problems} disagreement(s) between balances, entries, lots and spend."
            )
        self.stdout.write(
            self.style.SUCCESS(
                "Every points balance equals its ledger entries and its lots, and every "
                "stored qualifying spend its tickets' lines."
            )
        )
