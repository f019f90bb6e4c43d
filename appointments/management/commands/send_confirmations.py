from appointments.confirmations import confirmations_send_due
from salon.commands import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Text a confirmation request for every booked appointment due one (R38). Safe to run "
        "any number of times: each appointment is asked once."
    )

    def run_once(self) -> str:
        return f"Queued {confirmations_send_due()} confirmation request(s)."
