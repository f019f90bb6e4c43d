"""Client endpoints (SPEC §11) with the roles of §10."""

import pytest
from django.urls import reverse

from clients.models import Client, ClientFile
from clients.uploads import client_file_upload
from tests.clients.factories import PDF_BYTES, ClientFactory, image_bytes, upload

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "sms_consent",
    "referred_by",
    "referral_code",
    "source",
    "profile_photo_url",
}


def test_list_is_paginated_with_the_fixed_fields(front_desk_api):
    ClientFactory(first_name="Ann", phone="+12025550101")
    response = front_desk_api.get("/api/v1/clients/")
    assert response.status_code == 200
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert response.data["count"] == 1
    row = response.data["results"][0]
    assert set(row) >= FIELDS
    assert row["phone"] == "+12025550101"
    assert row["profile_photo_url"] is None


@pytest.mark.parametrize(
    "search", ["ann", "LEE", "ann lee", "(202) 555-0101", "202.555", "+1 202", "5550101"]
)
def test_r26_search_by_name_or_phone_in_any_format(front_desk_api, search):
    ann = ClientFactory(first_name="Ann", last_name="Lee", phone="+12025550101")
    ClientFactory(first_name="Bob", last_name="Stone", phone="+13125550199")
    response = front_desk_api.get("/api/v1/clients/", {"search": search})
    assert [row["id"] for row in response.data["results"]] == [ann.pk]


def test_list_hides_tombstones_unless_asked(front_desk_api):
    survivor = ClientFactory()
    tombstone = ClientFactory(merged_into=survivor)
    ids = {row["id"] for row in front_desk_api.get("/api/v1/clients/").data["results"]}
    assert ids == {survivor.pk}
    response = front_desk_api.get("/api/v1/clients/", {"include_merged": "true"})
    assert {row["id"] for row in response.data["results"]} == {survivor.pk, tombstone.pk}


def _client_list_queries(api, django_assert_max_num_queries, count, photos):
    for _ in range(count):
        customer = ClientFactory(referred_by=ClientFactory())
        if photos:
            client_file_upload(client=customer, uploaded_file=upload(), is_profile_photo=True)
    with django_assert_max_num_queries(4) as captured:
        response = api.get("/api/v1/clients/")
    assert response.status_code == 200
    return len(captured)


def test_list_query_count_is_constant(front_desk_api, django_assert_max_num_queries, photos_on):
    few = _client_list_queries(front_desk_api, django_assert_max_num_queries, 5, photos=True)
    many = _client_list_queries(front_desk_api, django_assert_max_num_queries, 45, photos=True)
    assert few == many


def test_create_answers_201_with_a_referral_code(front_desk_api, front_desk):
    referrer = ClientFactory()
    response = front_desk_api.post(
        "/api/v1/clients/",
        {
            "first_name": "Ann",
            "last_name": "Lee",
            "phone": "(202) 555-0123",
            "sms_consent": True,
            "referred_by": referrer.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["phone"] == "+12025550123"
    assert response.data["referred_by"] == referrer.pk
    assert len(response.data["referral_code"]) == 8
    created = Client.objects.get(pk=response.data["id"])
    assert created.created_by == front_desk
    assert created.source == "front_desk"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": "", "last_name": "Lee"}, "first_name"),
        ({"first_name": "Ann"}, "last_name"),
        ({"first_name": "Ann", "last_name": "Lee", "phone": "123"}, "phone"),
        ({"first_name": "Ann", "last_name": "Lee", "email": "nope"}, "email"),
        ({"first_name": "Ann", "last_name": "Lee", "referred_by": 999999}, "referred_by"),
        ({"first_name": "Ann", "last_name": "Lee", "birthday": "2999-01-01"}, "birthday"),
    ],
)
def test_bad_input_is_400_naming_the_field(front_desk_api, body, field):
    response = front_desk_api.post("/api/v1/clients/", body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert Client.objects.count() == 0


def test_r77_source_is_read_only_to_every_api_user(front_desk_api, manager_api):
    """The desk once set source "app" and the client earned online sign-up points."""
    response = front_desk_api.post(
        "/api/v1/clients/", {"first_name": "Ann", "last_name": "Lee", "source": "app"}
    )
    assert (response.status_code, response.data["source"]) == (201, "front_desk")
    url = f"/api/v1/clients/{response.data['id']}/"
    for api in (front_desk_api, manager_api):
        assert api.patch(url, {"source": "online"}, format="json").data["source"] == "front_desk"
    assert Client.objects.get().source == "front_desk"


def test_duplicate_phone_is_400_on_phone(front_desk_api):
    ClientFactory(phone="+12025550101")
    response = front_desk_api.post(
        "/api/v1/clients/",
        {"first_name": "A", "last_name": "B", "phone": "202-555-0101"},
        format="json",
    )
    assert response.status_code == 400
    assert response.data == {"phone": ["Another client already has this phone number."]}


def test_r25_referred_by_settable_once_then_400(front_desk_api):
    first, second = ClientFactory(), ClientFactory()
    customer = ClientFactory()
    url = f"/api/v1/clients/{customer.pk}/"
    response = front_desk_api.patch(url, {"referred_by": first.pk}, format="json")
    assert response.status_code == 200
    assert response.data["referred_by"] == first.pk
    response = front_desk_api.patch(url, {"referred_by": second.pk}, format="json")
    assert response.status_code == 400
    assert "referred_by" in response.data
    response = front_desk_api.patch(url, {"referred_by": None}, format="json")
    assert response.status_code == 400
    customer.refresh_from_db()
    assert customer.referred_by == first


def test_patch_changes_only_given_fields(front_desk_api):
    customer = ClientFactory(first_name="Ann", last_name="Lee")
    response = front_desk_api.patch(
        f"/api/v1/clients/{customer.pk}/", {"first_name": "Zoe"}, format="json"
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name) == ("Zoe", "Lee")


def test_r17_tombstone_is_readable_and_refuses_patch(front_desk_api):
    survivor = ClientFactory()
    tombstone = ClientFactory(merged_into=survivor, first_name="Old")
    url = f"/api/v1/clients/{tombstone.pk}/"
    response = front_desk_api.get(url)
    assert (response.status_code, response.data["merged_into"]) == (200, survivor.pk)
    response = front_desk_api.patch(url, {"first_name": "New"}, format="json")
    assert response.status_code == 400
    assert "detail" in response.data
    tombstone.refresh_from_db()
    assert tombstone.first_name == "Old"


def test_put_is_not_offered(front_desk_api):
    customer = ClientFactory()
    response = front_desk_api.put(
        f"/api/v1/clients/{customer.pk}/", {"first_name": "A", "last_name": "B"}, format="json"
    )
    assert response.status_code == 405


def test_r17_merge_answers_200_with_the_survivor(manager_api):
    survivor, duplicate = ClientFactory(), ClientFactory()
    response = manager_api.post(
        f"/api/v1/clients/{survivor.pk}/merge/", {"duplicate": duplicate.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.data["id"] == survivor.pk
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor


def test_r17_merge_bad_input(manager_api):
    survivor = ClientFactory()
    url = f"/api/v1/clients/{survivor.pk}/merge/"
    assert manager_api.post(url, {}, format="json").status_code == 400
    assert manager_api.post(url, {"duplicate": 999999}, format="json").status_code == 400
    response = manager_api.post(url, {"duplicate": survivor.pk}, format="json")
    assert response.status_code == 400
    assert "duplicate" in response.data
    assert (
        manager_api.post("/api/v1/clients/999999/merge/", {"duplicate": survivor.pk}).status_code
        == 404
    )


def test_r27_upload_list_and_delete(front_desk_api, photos_on, django_capture_on_commit_callbacks):
    customer = ClientFactory()
    url = f"/api/v1/clients/{customer.pk}/files/"
    response = front_desk_api.post(
        url, {"file": upload("me.jpg", image_bytes("JPEG")), "is_profile_photo": "true"}
    )
    assert response.status_code == 201, response.data
    assert response.data["is_profile_photo"] is True
    assert response.data["content_type"] == "image/jpeg"
    file_id = response.data["id"]
    listing = front_desk_api.get(url)
    assert [row["id"] for row in listing.data["results"]] == [file_id]
    photo_url = front_desk_api.get(f"/api/v1/clients/{customer.pk}/").data["profile_photo_url"]
    assert photo_url.endswith(f"/api/v1/clients/{customer.pk}/files/{file_id}/download/")
    with django_capture_on_commit_callbacks(execute=True):
        response = front_desk_api.delete(f"{url}{file_id}/")
    assert response.status_code == 204
    assert not ClientFile.objects.filter(pk=file_id).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "file"),
        ({"file": upload("x.png", b"not an image")}, "file"),
        ({"file": upload("x.pdf", PDF_BYTES), "is_profile_photo": "true"}, "is_profile_photo"),
    ],
)
def test_r27_bad_uploads_are_400(front_desk_api, photos_on, body, field):
    customer = ClientFactory()
    response = front_desk_api.post(f"/api/v1/clients/{customer.pk}/files/", body)
    assert response.status_code == 400
    assert field in response.data
    assert ClientFile.objects.count() == 0


def test_r34_upload_refused_when_feature_is_off(front_desk_api):
    customer = ClientFactory()
    response = front_desk_api.post(f"/api/v1/clients/{customer.pk}/files/", {"file": upload()})
    assert response.status_code == 400
    assert "Profile photos" in response.data["file"][0]


def test_r27_download_streams_the_bytes_to_staff(front_desk_api, photos_on):
    customer = ClientFactory()
    record = client_file_upload(client=customer, uploaded_file=upload("a.pdf", PDF_BYTES))
    url = reverse("client-file-download", kwargs={"client_id": customer.pk, "file_id": record.pk})
    response = front_desk_api.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="a.pdf"' in response["Content-Disposition"]
    other = ClientFactory()
    wrong = reverse("client-file-download", kwargs={"client_id": other.pk, "file_id": record.pk})
    assert front_desk_api.get(wrong).status_code == 404


def test_r27_client_user_downloads_own_files_only(client_api, customer, photos_on):
    own = client_file_upload(client=customer, uploaded_file=upload(), is_profile_photo=True)
    theirs = client_file_upload(client=ClientFactory(), uploaded_file=upload())
    response = client_api.get(reverse("me-file-download", kwargs={"file_id": own.pk}))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == image_bytes()
    response = client_api.get(reverse("me-file-download", kwargs={"file_id": theirs.pk}))
    assert response.status_code == 404
    listing = client_api.get("/api/v1/me/files/")
    assert [row["id"] for row in listing.data["results"]] == [own.pk]
    assert listing.data["results"][0]["url"].endswith(f"/api/v1/me/files/{own.pk}/download/")


def test_r27_no_public_media_url_serves_uploads(anonymous_api, photos_on, settings):
    record = client_file_upload(client=ClientFactory(), uploaded_file=upload())
    response = anonymous_api.get(f"/{settings.MEDIA_URL}{record.file.name}")
    assert response.status_code == 404
