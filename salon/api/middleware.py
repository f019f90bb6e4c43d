"""Paths under /api/ (R73): every path answers the same with or without its trailing slash,
for every method, and an unknown path answers the API's JSON 404, DEBUG on or off.

Django's APPEND_SLASH answers a 301 (which an HTTP client follows as a GET, dropping a
POST's body) or, for a POST with DEBUG on, a 500 page; and with DEBUG on an unknown path
gets the technical 404 page. Here the slash is added to the path before URL resolution
(no redirect), and a path that resolves neither way is answered JSON 404 at once.
"""

from django.conf import settings
from django.http import Http404
from django.urls import Resolver404, get_resolver

from salon.api.exceptions import API_PREFIX, page_not_found


class ApiPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A path with its slash that resolves nowhere raises Resolver404 in Django's own
        # resolution, answered by handler404 (the API's JSON 404) with DEBUG off: only
        # DEBUG's technical page needs the path resolved here first. Resolving an API path
        # takes 0.05 ms, and the hot reads would pay it twice (P1, docs/performance.md).
        path = request.path_info
        if path.startswith(API_PREFIX) and (settings.DEBUG or not path.endswith("/")):
            resolver = get_resolver(getattr(request, "urlconf", None))
            if not _resolves(resolver, path):
                if path.endswith("/") or not _resolves(resolver, path + "/"):
                    return page_not_found(request, Http404())
                request.path_info += "/"
                request.path += "/"
        return self.get_response(request)

    def process_exception(self, request, exception):
        """A view outside DRF that raises Http404 under /api/ (DEBUG would show a page)."""
        if isinstance(exception, Http404) and request.path_info.startswith(API_PREFIX):
            return page_not_found(request, exception)
        return None


def _resolves(resolver, path: str) -> bool:
    try:
        resolver.resolve(path)
    except Resolver404:
        return False
    return True
