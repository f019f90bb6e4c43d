"""R73: every /api/ path answers the same with or without its trailing slash, for every
method, without a redirect; an unknown /api/ path or a malformed id answers JSON 404
(`not_found`), with DEBUG on or off."""

import pytest
from django.test import override_settings

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
