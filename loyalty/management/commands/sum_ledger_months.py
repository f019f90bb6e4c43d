"""`python manage.py sum_ledger_months`: the loyalty report's months that are over, summed
once (R81). Run it daily (the worker or a timer); safe to run any number of times."""

from loyalty.ledger_months import ledger_months_summarise
from salon.commands import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Sum the ledger's points of each month that ended more than a day ago, by kind and "
        "action, for the loyalty report. A month already summed is left as it is."
    )

    def run_once(self) -> str:
        return f"Wrote {ledger_months_summarise()} monthly ledger row(s)."
