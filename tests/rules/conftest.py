"""The pure rule modules' unit tests (`make mutate` runs these against every mutant of
salon/money.py, tickets/points_rules.py, loyalty/earning/rules.py and loyalty's *_rules.py
and lots.py). No database, no uploads, no cache, no texts: the suite's autouse fixtures for
those are switched off here, since mutation testing runs these tests hundreds of times."""

import pytest


@pytest.fixture(autouse=True)
def _media_root():
    """No upload folder: a pure rule writes no file."""


@pytest.fixture(autouse=True)
def sms_outbox():
    """No outbox: a pure rule sends no text."""


@pytest.fixture(autouse=True)
def _fresh_cache():
    """No cache: a pure rule reads none."""
