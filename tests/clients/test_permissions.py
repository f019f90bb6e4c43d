"""Who may call the client endpoints (SPEC §10, §11): 401 anonymous, 403 client-app users
on staff endpoints, Front desk for clients and uploads, Manager only for merge."""

import pytest
from rest_framework.test import APIClient

from clients.models import Client
from clients.uploads import client_file_upload
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls(photos_on):
    customer = ClientFactory()
    record = client_file_upload(client=customer, uploaded_file=upload())
    base = f"/api/v1/clients/{customer.pk}/"
    return [
        ("get", "/api/v1/clients/"),
        ("post", "/api/v1/clients/"),
        ("get", base),
        ("patch", base),
        ("post", f"{base}merge/"),
        ("get", f"{base}files/"),
        ("post", f"{base}files/"),
        ("delete", f"{base}files/{record.pk}/"),
        ("get", f"{base}files/{record.pk}/download/"),
    ]


def test_anonymous_gets_401_everywhere(anonymous_api, urls):
    for method, url in urls:
        assert getattr(anonymous_api, method)(url).status_code == 401, (method, url)
    assert anonymous_api.get("/api/v1/me/files/").status_code == 401


def test_client_app_user_gets_403_on_staff_endpoints(client_api, urls):
    for method, url in urls:
        assert getattr(client_api, method)(url).status_code == 403, (method, url)


def test_signed_in_non_staff_without_client_gets_403_on_me_files(db):
    api = APIClient()
    api.force_authenticate(UserFactory())
    assert api.get("/api/v1/me/files/").status_code == 403


def test_staff_gets_403_on_me_files(front_desk_api):
    assert front_desk_api.get("/api/v1/me/files/").status_code == 403


def test_front_desk_may_add_change_and_upload(front_desk_api, photos_on):
    response = front_desk_api.post(
        "/api/v1/clients/", {"first_name": "A", "last_name": "B"}, format="json"
    )
    assert response.status_code == 201
    url = f"/api/v1/clients/{response.data['id']}/"
    assert front_desk_api.patch(url, {"notes": "x"}, format="json").status_code == 200
    assert front_desk_api.post(f"{url}files/", {"file": upload()}).status_code == 201


def test_front_desk_may_not_merge(front_desk_api):
    survivor, duplicate = ClientFactory(), ClientFactory()
    response = front_desk_api.post(
        f"/api/v1/clients/{survivor.pk}/merge/", {"duplicate": duplicate.pk}, format="json"
    )
    assert response.status_code == 403
    assert not Client.objects.filter(merged_into__isnull=False).exists()


def test_staff_without_a_role_may_read_but_not_write(db):
    api = APIClient()
    api.force_authenticate(UserFactory(is_staff=True))
    assert api.get("/api/v1/clients/").status_code == 200
    response = api.post("/api/v1/clients/", {"first_name": "A", "last_name": "B"}, format="json")
    assert response.status_code == 403
