"""Threads released together by a barrier, for the PostgreSQL race tests (R23, R27, R31…)."""

import threading

from django.db import connections


def run_together(*calls):
    """Run each call in its own thread (its own connection), all released at once by a
    barrier; return each one's result or the exception it raised, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # the outcome under test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
