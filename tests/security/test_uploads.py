"""Upload attacks through the API (R27, SPEC §11): each refused with a clear 400 (never a
500), nothing stored, nothing written outside MEDIA_ROOT; files served back as attachments
(non-images) and never sniffed as another type."""

import pytest
from django.conf import settings as django_settings
from PIL import Image

from clients.models import ClientFile
from tests.clients.factories import PDF_BYTES, image_bytes, upload

SCRIPT = b"#!/bin/sh\nrm -rf / --no-preserve-root\n"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>document.location='https://evil.example'</script>"


def post_file(api, customer, name, content, **extra):
    return api.post(
        f"/api/v1/clients/{customer.pk}/files/",
        {"file": upload(name, content), **extra},
        format="multipart",
    )


@pytest.mark.parametrize(
    "name, content",
    [
        ("evil.png", SCRIPT),  # a renamed script
        ("evil.png", SVG),  # SVG posing as an image (it can carry script)
        ("evil.svg", SVG),
        ("evil.jpg", HTML),  # HTML posing as an image
        ("evil.gif", b"GIF89a" + HTML),  # right magic, not an image behind it
        ("evil.pdf", b"%PDF" + HTML),  # too short a PDF to be one
    ],
)
def test_content_that_is_not_what_it_claims_is_refused(
    front_desk_api, customer, all_features, name, content
):
    response = post_file(front_desk_api, customer, name, content)
    assert response.status_code == 400
    assert "file" in response.json()
    assert ClientFile.objects.count() == 0


def test_a_decompression_bomb_is_400_not_500(front_desk_api, customer, all_features, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # a 20x20 image is then a "bomb"
    response = post_file(front_desk_api, customer, "bomb.png", image_bytes("PNG", size=(20, 20)))
    assert response.status_code == 400
    assert "pixels" in response.json()["file"][0]
    assert ClientFile.objects.count() == 0


def test_a_file_over_the_size_limit_is_400(front_desk_api, customer, all_features, settings):
    settings.CLIENT_UPLOAD_MAX_BYTES = 1000
    content = image_bytes("PNG", size=(64, 64)) + b"\0" * 2000
    response = post_file(front_desk_api, customer, "big.png", content)
    assert response.status_code == 400
    assert ClientFile.objects.count() == 0


def test_a_body_over_the_request_limit_is_400_not_500(front_desk_api, customer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = front_desk_api.post(
        "/api/v1/clients/", {"first_name": "A" * 2000, "last_name": "B"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.",
        "code": "bad_request",
    }


def test_the_request_limit_leaves_room_for_one_upload():
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE > django_settings.CLIENT_UPLOAD_MAX_BYTES


def test_a_path_in_the_file_name_never_reaches_the_disk(
    front_desk_api, customer, all_features, settings, tmp_path
):
    response = post_file(front_desk_api, customer, "../../etc/passwd.png", image_bytes("PNG"))
    assert response.status_code == 201
    record = ClientFile.objects.get()
    assert record.original_name == "passwd.png"
    assert ".." not in record.file.name and "passwd" not in record.file.name
    media_root = settings.MEDIA_ROOT.resolve()
    assert media_root in (media_root / record.file.name).resolve().parents
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert written == [(media_root / record.file.name)]


def test_a_document_is_downloaded_as_an_attachment_never_sniffed(
    front_desk_api, customer, all_features
):
    post_file(front_desk_api, customer, "<script>.html", PDF_BYTES)
    record = ClientFile.objects.get()
    response = front_desk_api.get(f"/api/v1/clients/{customer.pk}/files/{record.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_an_image_is_shown_inline_with_its_checked_type(front_desk_api, customer, all_features):
    post_file(front_desk_api, customer, "face.html", image_bytes("PNG"))
    record = ClientFile.objects.get()
    response = front_desk_api.get(f"/api/v1/clients/{customer.pk}/files/{record.pk}/download/")
    assert response["Content-Type"] == "image/png"  # from the content, not the name
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_uploaded_files_have_no_public_url(front_desk_api, customer, all_features, anonymous_api):
    post_file(front_desk_api, customer, "face.png", image_bytes("PNG"), is_profile_photo=True)
    record = ClientFile.objects.get()
    assert anonymous_api.get(f"/{django_settings.MEDIA_URL}{record.file.name}").status_code == 404
    download = f"/api/v1/clients/{customer.pk}/files/{record.pk}/download/"
    assert anonymous_api.get(download).status_code == 401
