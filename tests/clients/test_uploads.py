"""Client uploads (R27) and the profile_photos feature (R34)."""

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from clients.models import ClientFile, FileKind
from clients.uploads import client_file_delete, client_file_upload
from salon.errors import DomainError, PermissionRefused
from tests.accounts.factories import UserFactory
from tests.clients.factories import PDF_BYTES, ClientFactory, image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("image_format", "content_type", "extension"),
    [
        ("JPEG", "image/jpeg", "jpg"),
        ("PNG", "image/png", "png"),
        ("GIF", "image/gif", "gif"),
        ("WEBP", "image/webp", "webp"),
    ],
)
def test_r27_images_are_accepted_by_content(photos_on, image_format, content_type, extension):
    customer = ClientFactory()
    record = client_file_upload(
        client=customer, uploaded_file=upload("holiday.bin", image_bytes(image_format))
    )
    assert (record.kind, record.content_type) == (FileKind.IMAGE, content_type)
    assert record.file.name.endswith(f".{extension}")
    assert record.original_name == "holiday.bin"
    assert record.size == len(image_bytes(image_format))
    with default_storage.open(record.file.name) as stored:
        assert stored.read() == image_bytes(image_format)


def test_r27_pdf_is_accepted_by_its_magic(photos_on):
    record = client_file_upload(client=ClientFactory(), uploaded_file=upload("x.png", PDF_BYTES))
    assert (record.kind, record.content_type) == (FileKind.DOCUMENT, "application/pdf")
    assert record.file.name.endswith(".pdf")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.png", b"<script>alert(1)</script>"),
        ("doc.pdf", b"PDF-1.4 but no percent sign"),
        ("photo.jpg", image_bytes("JPEG")[:40]),
        ("pic.bmp", image_bytes("BMP")),
        ("pic.tiff", image_bytes("TIFF")),
    ],
)
def test_r27_other_content_is_refused_whatever_its_name(photos_on, name, content):
    customer = ClientFactory()
    with pytest.raises(DomainError) as error:
        client_file_upload(client=customer, uploaded_file=upload(name, content))
    assert error.value.field == "file"
    assert ClientFile.objects.count() == 0


def test_r27_stored_name_is_generated_never_the_uploaded_one(photos_on):
    customer = ClientFactory()
    record = client_file_upload(client=customer, uploaded_file=upload("../../etc/passwd.png"))
    assert record.original_name == "passwd.png"
    assert record.file.name.startswith(f"clients/{customer.pk}/")
    assert ".." not in record.file.name
    assert "passwd" not in record.file.name


def test_r27_size_limit_is_a_setting(photos_on, settings):
    settings.CLIENT_UPLOAD_MAX_BYTES = 100
    big = image_bytes("PNG", size=(200, 200))
    assert len(big) > 100
    with pytest.raises(DomainError) as error:
        client_file_upload(client=ClientFactory(), uploaded_file=upload("big.png", big))
    assert error.value.field == "file"
    assert error.value.code == "file_too_large"
    assert ClientFile.objects.count() == 0


def test_r27_empty_file_is_refused(photos_on):
    with pytest.raises(DomainError) as error:
        client_file_upload(client=ClientFactory(), uploaded_file=upload("empty.png", b""))
    assert error.value.field == "file"


def test_r27_decompression_bomb_is_refused_clearly(photos_on, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(DomainError) as error:
        client_file_upload(
            client=ClientFactory(),
            uploaded_file=upload("bomb.png", image_bytes("PNG", size=(11, 11))),
        )
    assert error.value.field == "file"
    assert "pixels" in error.value.message
    with pytest.raises(DomainError):  # more than twice the limit: Pillow's error, same answer
        client_file_upload(
            client=ClientFactory(),
            uploaded_file=upload("bomb.png", image_bytes("PNG", size=(20, 20))),
        )
    assert ClientFile.objects.count() == 0


def test_r27_the_21st_upload_is_refused(photos_on, settings):
    assert settings.CLIENT_UPLOAD_MAX_FILES == 20
    customer = ClientFactory()
    for _ in range(20):
        client_file_upload(client=customer, uploaded_file=upload())
    with pytest.raises(DomainError) as error:
        client_file_upload(client=customer, uploaded_file=upload())
    assert error.value.field == "file"
    assert error.value.code == "too_many_files"
    assert customer.files.count() == 20


def test_r27_deleting_one_makes_room_again(photos_on, settings, django_capture_on_commit_callbacks):
    settings.CLIENT_UPLOAD_MAX_FILES = 2
    customer = ClientFactory()
    first = client_file_upload(client=customer, uploaded_file=upload())
    client_file_upload(client=customer, uploaded_file=upload())
    with django_capture_on_commit_callbacks(execute=True):
        client_file_delete(file=first)
    assert not default_storage.exists(first.file.name)
    client_file_upload(client=customer, uploaded_file=upload())
    assert customer.files.count() == 2


def test_r27_profile_photo_is_one_at_a_time(photos_on):
    customer = ClientFactory()
    first = client_file_upload(client=customer, uploaded_file=upload(), is_profile_photo=True)
    second = client_file_upload(client=customer, uploaded_file=upload(), is_profile_photo=True)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_profile_photo, second.is_profile_photo) == (False, True)


def test_r27_a_document_cant_be_the_profile_photo(photos_on):
    customer = ClientFactory()
    photo = client_file_upload(client=customer, uploaded_file=upload(), is_profile_photo=True)
    with pytest.raises(DomainError) as error:
        client_file_upload(
            client=customer, uploaded_file=upload("cv.pdf", PDF_BYTES), is_profile_photo=True
        )
    assert error.value.field == "is_profile_photo"
    photo.refresh_from_db()
    assert photo.is_profile_photo
    assert customer.files.count() == 1


@pytest.mark.parametrize("content", [image_bytes(), PDF_BYTES])
def test_r34_without_profile_photos_every_upload_is_refused_saying_why(db, content):
    customer = ClientFactory()
    with pytest.raises(DomainError) as error:
        client_file_upload(client=customer, uploaded_file=upload("f", content))
    assert error.value.status_code == 400
    assert error.value.code == "uploads_off"
    assert "switched off" in error.value.message
    assert ClientFile.objects.count() == 0


def test_r17_a_tombstone_refuses_uploads(photos_on):
    tombstone = ClientFactory(merged_into=ClientFactory())
    with pytest.raises(DomainError):
        client_file_upload(client=tombstone, uploaded_file=upload())
    assert ClientFile.objects.count() == 0


def test_section10_upload_needs_the_permission_or_own_record(photos_on, front_desk):
    customer = ClientFactory()
    with pytest.raises(PermissionRefused):
        client_file_upload(client=customer, uploaded_file=upload(), user=UserFactory())
    record = client_file_upload(client=customer, uploaded_file=upload(), user=front_desk)
    assert record.uploaded_by == front_desk
    with pytest.raises(PermissionRefused):
        client_file_delete(file=record, user=UserFactory())
    assert ClientFile.objects.filter(pk=record.pk).exists()
