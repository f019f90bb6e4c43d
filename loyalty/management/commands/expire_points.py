"""`python manage.py expire_points`: the daily expiry run (R54)."""

from loyalty.expiry import points_expire_due
from salon.commands import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Post one `expire` entry for every lot past its date with points left (R54). Safe to "
        "run any number of times: a lot already expired posts nothing."
    )

    def run_once(self) -> str:
        return f"Expired {points_expire_due()} lot(s) of points."
