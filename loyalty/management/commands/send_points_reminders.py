"""`python manage.py send_points_reminders`: expiry reminders and monthly statements (R55,
R56)."""

from loyalty.notices import points_notices_send
from salon.commands import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Tell clients about points expiring in the configured numbers of days, and on the 1st "
        "send monthly statements (R55, R56). Safe to run any number of times: each reminder "
        "and statement goes once."
    )

    def run_once(self) -> str:
        return f"Sent {points_notices_send()} points reminder(s) and statement(s)."
