from messaging.services import texts_requeue_stranded
from salon.commands import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Give a new send task to every queued text whose task is overdue (R39): a process "
        "that died between a commit and its enqueue left it with none. Safe to run any "
        "number of times: each text is still sent once."
    )

    def run_once(self) -> str:
        return f"Requeued {len(texts_requeue_stranded())} stranded text(s)."
