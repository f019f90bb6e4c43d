"""The API's error format (SPEC §11, R71): 400 {"field": ["message"]} or {"detail": "message",
"code": "name"}; 401 without credentials, 403 for a role that may not, 404 unknown."""

import pytest
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from salon.api.exceptions import exception_handler, server_error
from tests.clients.factories import ClientFactory


def test_400_names_each_bad_field_with_a_list_of_messages(anonymous_api, db):
    response = anonymous_api.post("/api/v1/signup/", {"first_name": "Ann"}, format="json")
    assert response.status_code == 400
    data = response.json()
    assert set(data) == {"last_name", "phone", "email", "password"}
    for messages in data.values():
        assert isinstance(messages, list)
        assert all(isinstance(message, str) and message for message in messages)


def test_400_without_a_field_is_a_detail_string(anonymous_api, db):
    response = anonymous_api.post(
        "/api/v1/auth/token/", {"username": "nobody", "password": "wrong"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Unable to sign in with that username and password.",
        "code": "invalid_credentials",
    }


@pytest.mark.parametrize(
    "error, expected",
    [
        (
            ValidationError({"non_field_errors": ["Both set."]}),
            {"detail": "Both set.", "code": "invalid"},
        ),
        (ValidationError(["One.", "Two."]), {"detail": "One. Two.", "code": "invalid"}),
        (ValidationError({"detail": ["Bad."]}), {"detail": "Bad.", "code": "invalid"}),
        (
            ValidationError({"non_field_errors": ["Both."], "price": ["Too low."]}),
            {"detail": "Both.", "price": ["Too low."], "code": "invalid"},
        ),
        (ValidationError([{"price": ["Too low."]}]), [{"price": ["Too low."]}]),
    ],
)
def test_drf_errors_that_belong_to_no_field_become_detail(error, expected):
    response = exception_handler(error, {})
    assert response.status_code == 400
    assert response.data == expected


def test_a_serializer_validate_error_is_a_detail_string():
    class Pair(serializers.Serializer):
        first = serializers.IntegerField(required=False)
        second = serializers.IntegerField(required=False)

        def validate(self, attrs):
            raise serializers.ValidationError("Give one of the two, not both.")

    serializer = Pair(data={"first": 1, "second": 2})
    assert not serializer.is_valid()
    response = exception_handler(ValidationError(serializer.errors), {})
    assert response.data == {"detail": "Give one of the two, not both.", "code": "invalid"}


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/me/"),
        ("get", "/api/v1/clients/"),
        ("post", "/api/v1/clients/"),
        ("get", "/api/v1/features/"),
        ("post", "/api/v1/auth/logout/"),
    ],
)
def test_401_without_credentials_not_403(db, method, path):
    response = getattr(APIClient(), method)(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_401_for_a_token_that_does_not_exist(db):
    api = APIClient(headers={"Authorization": "Token 0123456789abcdef"})
    response = api.get("/api/v1/clients/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token.", "code": "authentication_failed"}


def test_403_for_a_role_that_may_not(client_api, front_desk_api):
    assert client_api.get("/api/v1/clients/").status_code == 403
    survivor, duplicate = ClientFactory(), ClientFactory()
    response = front_desk_api.post(
        f"/api/v1/clients/{survivor.pk}/merge/", {"duplicate": duplicate.pk}
    )
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "code"}
    assert isinstance(response.json()["detail"], str)
    assert response.json()["code"] == "permission_denied"


def test_404_for_an_unknown_object_and_an_unknown_path(front_desk_api):
    unknown_object = front_desk_api.get("/api/v1/clients/999999/")
    assert unknown_object.status_code == 404
    assert set(unknown_object.json()) == {"detail", "code"}
    assert unknown_object.json()["code"] == "not_found"
    unknown_path = front_desk_api.get("/api/v1/no-such-thing/")
    assert unknown_path.status_code == 404
    assert unknown_path["Content-Type"] == "application/json"
    assert unknown_path.json() == {"detail": "Not found.", "code": "not_found"}


def test_unknown_paths_outside_the_api_keep_the_html_page(db):
    response = APIClient().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_server_error_under_the_api_is_json(rf):
    response = server_error(rf.get("/api/v1/tickets/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.content == b'{"detail": "Server error.", "code": "server_error"}'
    assert server_error(rf.get("/admin/"))["Content-Type"].startswith("text/html")
