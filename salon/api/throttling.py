"""Rate limits for the endpoints anyone can call (token, sign-up): SPEC §11, docs/decisions.md."""

from rest_framework import throttling
from rest_framework.settings import api_settings


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """DRF's scoped throttle (per user, or per client IP when anonymous), with the rates read
    from settings on every request: DRF binds them once at import, so a changed
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (an override in a test) would be ignored."""

    @property
    def THROTTLE_RATES(self):
        return api_settings.DEFAULT_THROTTLE_RATES
