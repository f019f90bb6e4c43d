"""R73: every /api/ path answers the same with or without its trailing slash, for every
method, without a redirect; an unknown /api/ path or a malformed id answers JSON 404
(`not_found`), with DEBUG on or off."""

import importlib
import re

import pytest
from django.test import override_settings
from django.urls import URLResolver, resolve

from salon.project_apps import PROJECT_APPS
from tests.tickets.factories import ticket_with_lines


@pytest.fixture(params=[True, False], ids=["debug", "no-debug"])
def debug(request, settings):
    with override_settings(DEBUG=request.param):
        yield request.param


def test_a_post_without_the_slash_creates_as_with_it(debug, front_desk_api, customer):
    for url in ("/api/v1/tickets", "/api/v1/tickets/"):
        response = front_desk_api.post(url, {"client": customer.pk}, format="json")
        assert response.status_code == 201, (url, response.content)
        assert response.json()["client"] == customer.pk


def _paths():
    """Fresh objects for each call, so that a DELETE finds its line both times."""
    ticket = ticket_with_lines("50.00")
    return (
        f"/api/v1/tickets/{ticket.pk}",
        f"/api/v1/tickets/{ticket.pk}/lines/{ticket.lines.get().pk}",
        f"/api/v1/tickets/{ticket.pk}/close",
        "/api/v1/clients",
        "/api/v1/loyalty/settings",
    )


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete", "put"])
def test_every_method_answers_the_same_with_or_without_the_slash(debug, method, front_desk_api):
    for with_slash_path, path in zip(_paths(), _paths(), strict=True):
        with_slash = getattr(front_desk_api, method)(with_slash_path + "/", {}, format="json")
        without = getattr(front_desk_api, method)(path, {}, format="json")
        assert without.status_code == with_slash.status_code, (method, path)
        assert without.status_code not in (301, 302, 308, 500), (method, path)
        if without.status_code != 204:
            assert without["Content-Type"].startswith("application/json"), (method, path)


def test_the_schema_answers_without_the_slash(debug, anonymous_api, db):
    response = anonymous_api.get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here/",
        "/api/v1/nothing-here",
        "/api/v1/tickets/abc/",
        "/api/v1/tickets/abc",
        "/api/v1/tickets/1.5/close/",
        "/api/v1/tickets/1234567890123456789012/",
        "/api/v2/tickets/",
        "/api/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_path_or_malformed_id_is_a_json_404(debug, method, path, front_desk_api):
    response = getattr(front_desk_api, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_outside_the_api_django_s_slash_redirect_is_kept(debug, client, db):
    response = client.get("/admin")
    assert response.status_code == 301


def _sample_paths(patterns, prefix=""):
    """(example path, pattern) of every URL pattern: each converter or named group given a
    value it takes."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _sample_paths(pattern.url_patterns, prefix + str(pattern.pattern))
            continue
        route = prefix + str(pattern.pattern)
        route = re.sub(r"<(?:id|int):\w+>", "7", route)
        route = re.sub(r"<(?:str|slug):\w+>", "service_purchase", route)
        route = re.sub(r"\(\?P<\w+>[^)]*\)", "7", route).strip("^$")
        if "(" not in route and "\\" not in route:  # not a format-suffix variant
            yield route, pattern


@pytest.mark.parametrize("app", PROJECT_APPS)
def test_each_apps_api_paths_resolve_to_its_own_views(app):
    """The API mounts loyalty's patterns first (salon/urls.py, P1): Django takes the first
    pattern that matches, so no app's pattern may match another's path."""
    module = importlib.import_module(f"{app}.api.urls")
    checked = 0
    for route, pattern in _sample_paths(module.urlpatterns):
        found = resolve(f"/api/v1/{route}")
        assert found.func.__module__ == pattern.callback.__module__, route
        assert found.func.__name__ == pattern.callback.__name__, route
        checked += 1
    assert checked or not module.urlpatterns
