import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counts live in the cache; each test starts with none (SPEC §11 rate limits)."""
    cache.clear()
    yield
    cache.clear()
