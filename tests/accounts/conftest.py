import pytest
from django.core.cache import cache

from tests.messaging.outbox import sms_outbox

__all__ = ["sms_outbox"]


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counts live in the cache; each test starts with none (SPEC §11 rate limits)."""
    cache.clear()
    yield
    cache.clear()
