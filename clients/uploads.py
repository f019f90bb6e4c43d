"""A client's files (R27): checked (kind, size, a real image or PDF), uploaded, deleted, and
the orphans left in storage swept."""

import os
import uuid
import warnings
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from clients.errors import (
    ClientMerged,
    EmptyFile,
    FileTooLarge,
    FileTypeRefused,
    ImageTooLarge,
    ProfilePhotoNotImage,
    TooManyFiles,
    UploadsOff,
)
from clients.models import (
    UPLOADS_DIRECTORY,
    Client,
    ClientFile,
    FileKind,
)
from clients.services import check_may
from salon.selectors import features_get
from salon.users import acting_user

# Pillow format name -> (content type, extension). Only these images are accepted (R27).
IMAGE_TYPES = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}

PDF_MAGIC = b"%PDF-"


def _upload_kind(uploaded_file) -> tuple[str, str, str]:
    """(kind, content type, extension) decided by the file's content, never its name (R27)."""
    uploaded_file.seek(0)
    head = uploaded_file.read(len(PDF_MAGIC))
    uploaded_file.seek(0)
    if head == PDF_MAGIC:
        return FileKind.DOCUMENT, "application/pdf", "pdf"
    try:
        with warnings.catch_warnings():
            # Above MAX_IMAGE_PIXELS Pillow only warns; a pixel bomb is refused all the same.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(uploaded_file) as image:
                image_format = image.format
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge(field="file") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        image_format = None
    finally:
        uploaded_file.seek(0)
    if image_format not in IMAGE_TYPES:
        raise FileTypeRefused(field="file")
    content_type, extension = IMAGE_TYPES[image_format]
    return FileKind.IMAGE, content_type, extension


def _display_name(name: str | None, extension: str) -> str:
    # Kept for display only; the stored name is generated, so this can't reach the disk.
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = "".join(character for character in base if character.isprintable())
    return base[:255] or f"upload.{extension}"


def client_file_check(
    *, client: Client, uploaded_file, is_profile_photo: bool = False, pending: int = 0
) -> tuple[str, str, str]:
    """Every rule an upload must pass (R27, R34), without storing anything; returns the
    (kind, content type, extension) found in the content. `pending` counts uploads of the
    same request not stored yet (the admin's inline sends several at once)."""
    if not features_get().profile_photos:
        raise UploadsOff(field="file")
    if client.is_tombstone:
        raise ClientMerged()
    limit = settings.CLIENT_UPLOAD_MAX_FILES
    stored = ClientFile.objects.filter(client=client).count() if client.pk else 0
    if stored + pending >= limit:
        raise TooManyFiles(
            f"A client can keep at most {limit} files. Delete one before uploading another.",
            field="file",
        )
    if uploaded_file is None or not uploaded_file.size:
        raise EmptyFile(field="file")
    if uploaded_file.size > settings.CLIENT_UPLOAD_MAX_BYTES:
        megabytes = settings.CLIENT_UPLOAD_MAX_BYTES / (1024 * 1024)
        raise FileTooLarge(f"Files may be at most {megabytes:g} MB.", field="file")
    kind, content_type, extension = _upload_kind(uploaded_file)
    if is_profile_photo and kind != FileKind.IMAGE:
        raise ProfilePhotoNotImage(field="is_profile_photo")
    return kind, content_type, extension


@transaction.atomic
def client_file_upload(
    *, client: Client, uploaded_file, is_profile_photo: bool = False, user=None
) -> ClientFile:
    """Store an image or PDF for a client (R27), when `profile_photos` is on (R34).

    The client row is locked first, so two uploads at once can't make a 21st file.
    """
    client = Client.objects.select_for_update().get(pk=client.pk)
    check_may(user=user, client=client, perm="clients.add_clientfile", action="upload files")
    kind, content_type, extension = client_file_check(
        client=client, uploaded_file=uploaded_file, is_profile_photo=is_profile_photo
    )
    if is_profile_photo:
        ClientFile.objects.filter(client=client, is_profile_photo=True).update(
            is_profile_photo=False
        )
    record = ClientFile(
        client=client,
        original_name=_display_name(getattr(uploaded_file, "name", ""), extension),
        content_type=content_type,
        kind=kind,
        size=uploaded_file.size,
        is_profile_photo=is_profile_photo,
        uploaded_by=acting_user(user),
    )
    # Written to storage last, after every check, so a refused upload leaves no file behind.
    record.file.save(f"{uuid.uuid4().hex}.{extension}", uploaded_file, save=False)
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def client_file_delete(*, file: ClientFile, user=None) -> None:
    """Remove a client's file; the stored bytes go once the deletion has committed."""
    client = Client.objects.select_for_update().get(pk=file.client_id)
    check_may(user=user, client=client, perm="clients.delete_clientfile", action="delete files")
    if client.is_tombstone:
        raise ClientMerged()
    storage, name = file.file.storage, file.file.name
    file.delete()
    transaction.on_commit(lambda: storage.delete(name))


def client_files_orphans_delete(
    *, older_than: timedelta = timedelta(hours=24), now: datetime | None = None
) -> list[str]:
    """Delete the stored client files that no ClientFile row names, once `older_than` old.

    An upload writes its bytes before its row commits (storage has no transactions), so a
    transaction that fails afterwards leaves the bytes behind: never served (downloads go
    through the row, R27) but taking space. The age keeps an upload still in flight safe.
    Files are matched by name, not by directory owner: a merge moves rows, not bytes (R17).
    """
    storage = ClientFile._meta.get_field("file").storage
    now = now or timezone.now()
    if not storage.exists(UPLOADS_DIRECTORY):
        return []
    deleted = []
    directories, _ = storage.listdir(UPLOADS_DIRECTORY)
    for directory in directories:
        prefix = f"{UPLOADS_DIRECTORY}/{directory}/"
        _, names = storage.listdir(prefix)
        known = set(
            ClientFile.objects.filter(file__startswith=prefix).values_list("file", flat=True)
        )
        for name in names:
            path = prefix + name
            if path not in known and storage.get_modified_time(path) <= now - older_than:
                storage.delete(path)
                deleted.append(path)
    return sorted(deleted)
