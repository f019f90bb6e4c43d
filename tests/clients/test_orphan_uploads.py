"""Stored bytes that no upload row names are deleted once old enough (R27): an upload
writes its file before its row commits, so a failed transaction leaves the bytes behind."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from clients.merge import client_merge
from clients.models import ClientFile
from clients.uploads import client_file_upload, client_files_orphans_delete
from tests.clients.factories import PDF_BYTES, ClientFactory, upload

pytestmark = pytest.mark.django_db

A_DAY_LATER = timedelta(hours=24)


class RolledBack(Exception):
    """The request failed after the upload service had written the file."""


def failed_upload(customer) -> str:
    """An upload whose transaction rolls back after the bytes were written: their name."""
    with pytest.raises(RolledBack), transaction.atomic():
        record = client_file_upload(client=customer, uploaded_file=upload("x.pdf", PDF_BYTES))
        name = record.file.name
        raise RolledBack
    assert not ClientFile.objects.filter(file=name).exists()
    assert default_storage.exists(name)
    return name


def test_the_bytes_of_a_failed_upload_go_a_day_later_and_kept_files_stay(photos_on):
    customer = ClientFactory()
    kept = client_file_upload(client=customer, uploaded_file=upload("kept.pdf", PDF_BYTES))
    orphan = failed_upload(customer)

    assert client_files_orphans_delete(now=timezone.now() + A_DAY_LATER / 2) == []
    assert client_files_orphans_delete(now=timezone.now() + A_DAY_LATER) == [orphan]

    assert not default_storage.exists(orphan)
    assert default_storage.exists(kept.file.name)
    assert client_files_orphans_delete(now=timezone.now() + 2 * A_DAY_LATER) == []


def test_a_merged_duplicate_s_files_stay_where_they_are(photos_on, manager):  # R17
    survivor, duplicate = ClientFactory(), ClientFactory()
    moved = client_file_upload(client=duplicate, uploaded_file=upload("id.pdf", PDF_BYTES))
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    moved.refresh_from_db()
    assert moved.client_id == survivor.pk
    assert moved.file.name.startswith(f"clients/{duplicate.pk}/")

    assert client_files_orphans_delete(now=timezone.now() + A_DAY_LATER) == []
    assert default_storage.exists(moved.file.name)


def test_only_files_under_the_uploads_directory_are_touched(photos_on):
    orphan = failed_upload(ClientFactory())
    other = default_storage.save("exports/report.pdf", ContentFile(PDF_BYTES))
    assert client_files_orphans_delete(now=timezone.now() + A_DAY_LATER) == [orphan]
    assert default_storage.exists(other)


def test_the_command_says_what_it_deleted(photos_on):
    orphan = failed_upload(ClientFactory())
    out = StringIO()
    call_command("delete_orphan_uploads", "--older-than-hours", "0", stdout=out)
    assert out.getvalue().splitlines() == [f"Deleted {orphan}", "Deleted 1 orphan upload(s)."]
    assert not default_storage.exists(orphan)
