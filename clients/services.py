"""Writes for clients: create, update (R24, R25), uploads (R27) and merge (R17)."""

import os
import secrets
import uuid
import warnings
from datetime import date, datetime, timedelta

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber
from PIL import Image, UnidentifiedImageError
from simple_history.utils import bulk_create_with_history

from clients.errors import (
    BirthdayInFuture,
    BlankName,
    ClientMerged,
    DuplicateMerged,
    EmptyFile,
    FieldNotEditable,
    FileTooLarge,
    FileTypeRefused,
    ImageTooLarge,
    InvalidPhone,
    MergeIntoItself,
    PhoneTaken,
    ProfilePhotoNotImage,
    ReferralCycle,
    ReferredByLocked,
    ReferrerAndCode,
    ReferrerMerged,
    SelfReferral,
    SurvivorMerged,
    TooManyFiles,
    UnknownReferralCode,
    UploadsOff,
)
from clients.models import (
    UPLOADS_DIRECTORY,
    Client,
    ClientFile,
    ClientSource,
    FileKind,
)
from clients.selectors import client_survivor
from clients.signals import client_merge_locking, client_merged
from salon.errors import PermissionRefused
from salon.selectors import features_get

# No 0/O or 1/I/L: codes are read aloud at the desk and typed into the app.
REFERRAL_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERRAL_CODE_LENGTH = 8
REFERRAL_CODE_ATTEMPTS = 10

# The fields staff give client_create and client_update, in form order; the rest
# (referral_code, merged_into, user) have their own paths (generated, merge, signup) and are
# never set through a plain create or update. `source` is the system's (R77): client_create
# takes it from its caller (the desk: front_desk, sign-up: app), and nothing changes it.
EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "birthday",
    "notes",
    "sms_consent",
    "referred_by",
)
UPDATABLE_FIELDS = frozenset(EDITABLE_FIELDS)


def referral_code_generate() -> str:
    """A short, unambiguous code nobody holds yet (R24)."""
    for _ in range(REFERRAL_CODE_ATTEMPTS):
        code = "".join(secrets.choice(REFERRAL_CODE_ALPHABET) for _ in range(REFERRAL_CODE_LENGTH))
        if not Client.objects.filter(referral_code=code).exists():
            return code
    # 31^8 ≈ 8.5e11 codes: ten collisions in a row means something else is wrong.
    raise RuntimeError("Could not generate a free referral code.")


def phone_parse(value, *, field: str = "phone") -> PhoneNumber | None:
    """Parse a phone as typed (national format uses PHONENUMBER_DEFAULT_REGION), refusing
    an invalid number (R24); blank is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, PhoneNumber):
        number = value
    else:
        try:
            number = PhoneNumber.from_string(str(value).strip())
        except phonenumbers.NumberParseException:
            number = None
    if number is None or not number.is_valid():
        raise InvalidPhone(field=field)
    return number


def phone_normalize(value, *, client: Client | None = None) -> PhoneNumber | None:
    """Parse a phone as typed into E.164, refusing invalid numbers and numbers another
    active client holds (R24)."""
    number = phone_parse(value)
    if number is None:
        return None
    holders = Client.objects.filter(phone=number.as_e164, merged_into__isnull=True)
    if client is not None and client.pk is not None:
        holders = holders.exclude(pk=client.pk)
    if holders.exists():
        raise PhoneTaken(field="phone")
    return number


def _name_clean(value, *, field: str) -> str:
    name = (value or "").strip()
    if not name:
        raise BlankName(field=field)
    return name


def _birthday_check(birthday: date | None) -> None:
    if birthday is not None and birthday > timezone.localdate():
        raise BirthdayInFuture(field="birthday")


def _referrer_check(*, client: Client | None, referrer: Client) -> None:
    """R25: no self-referral, no tombstone referrer, no cycle (walk the referrer's chain)."""
    if client is not None and client.pk is not None and referrer.pk == client.pk:
        raise SelfReferral(field="referred_by")
    if referrer.is_tombstone:
        raise ReferrerMerged(field="referred_by")
    if client is None or client.pk is None:
        return  # a new client refers nobody yet, so no cycle can close through it
    seen = {referrer.pk}
    ancestor_id = referrer.referred_by_id
    while ancestor_id is not None and ancestor_id not in seen:
        if ancestor_id == client.pk:
            raise ReferralCycle(field="referred_by")
        seen.add(ancestor_id)
        ancestor_id = (
            Client.objects.filter(pk=ancestor_id).values_list("referred_by_id", flat=True).first()
        )


def client_by_referral_code(*, code: str) -> Client:
    """The referrer a referral code names; a merged client's code names its survivor."""
    normalized = (code or "").strip().upper()
    referrer = Client.objects.filter(referral_code=normalized).first() if normalized else None
    if referrer is None:
        raise UnknownReferralCode(field="referral_code")
    return client_survivor(referrer)


def _client_save(client: Client) -> None:
    """Save, turning the phone uniqueness race (two requests checked the same free number
    at once; the database constraint refused the second) into the same clear 400 (R24)."""
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError as error:
        if "phone" not in str(error):  # PostgreSQL names the constraint, SQLite the column
            raise
        raise PhoneTaken(field="phone") from None


def _check_may(*, user, client: Client, perm: str, action: str) -> None:
    """Staff need `perm`; the client-app user owning `client` may act on their own record."""
    if user is None:
        return
    if client.user_id is not None and client.user_id == user.pk:
        return
    if not (user.is_staff and user.has_perm(perm)):
        raise PermissionRefused(f"Your role may not {action}.")


@transaction.atomic
def client_create(
    *,
    first_name: str,
    last_name: str,
    phone=None,
    email: str = "",
    birthday: date | None = None,
    notes: str = "",
    sms_consent: bool = False,
    source: str = ClientSource.FRONT_DESK,
    referred_by: Client | None = None,
    referral_code_used: str | None = None,
    user=None,
    created_by=None,
) -> Client:
    """Create a client (R24). `user` is the client-app login to link (signup); `created_by`
    the staff member entering it. A referral code (R25, online signup) names the referrer."""
    if referred_by is not None and referral_code_used:
        raise ReferrerAndCode(field="referral_code")
    if referral_code_used:
        referred_by = client_by_referral_code(code=referral_code_used)
    client = _client_new(
        first_name=first_name,
        last_name=last_name,
        phone=phone_normalize(phone),
        email=email,
        birthday=birthday,
        notes=notes,
        sms_consent=sms_consent,
        source=source,
        referred_by=referred_by,
        referral_code=referral_code_generate(),
        user=user,
        created_by=created_by,
    )
    # phone_normalize validated the phone and its uniqueness; a race past that check is
    # the database's to refuse, and _client_save turns it into the same clear 400.
    client.full_clean(exclude=["phone"])
    _client_save(client)
    return client


def _client_new(
    *, referred_by: Client | None = None, birthday: date | None = None, **fields
) -> Client:
    """A new client's row once the rules that need no query hold (R24, R25); its phone and
    referral code are checked by the caller, for one client or for many at once."""
    if referred_by is not None:
        _referrer_check(client=None, referrer=referred_by)
    _birthday_check(birthday)
    return Client(
        first_name=_name_clean(fields.pop("first_name"), field="first_name"),
        last_name=_name_clean(fields.pop("last_name"), field="last_name"),
        email=(fields.pop("email", "") or "").strip(),
        notes=fields.pop("notes", "") or "",
        birthday=birthday,
        referred_by=referred_by,
        **fields,
    )


def referral_codes_generate(count: int) -> list[str]:
    """`count` distinct codes nobody holds yet, asking the database once per attempt (R24)."""
    codes: set[str] = set()
    for _ in range(REFERRAL_CODE_ATTEMPTS):
        while len(codes) < count:
            codes.add(
                "".join(secrets.choice(REFERRAL_CODE_ALPHABET) for _ in range(REFERRAL_CODE_LENGTH))
            )
        codes -= set(
            Client.objects.filter(referral_code__in=codes).values_list("referral_code", flat=True)
        )
        if len(codes) == count:
            return list(codes)
    raise RuntimeError("Could not generate free referral codes.")


@transaction.atomic
def clients_create_many(drafts: list[dict], *, created_by=None) -> list[Client]:
    """Create many clients at the front desk's rules (R24, R25), as client_create does one
    by one, with a few queries for the whole batch instead of about ten per client (moving
    in, R82). Each draft holds client_create's fields; `referred_by` must be saved."""
    phones = [phone_parse(draft.get("phone")) for draft in drafts]
    held = [phone.as_e164 for phone in phones if phone is not None]
    if (
        len(set(held)) != len(held)
        or Client.objects.filter(phone__in=held, merged_into__isnull=True).exists()
    ):
        raise PhoneTaken(field="phone")
    clients = []
    for draft, phone, code in zip(
        drafts, phones, referral_codes_generate(len(drafts)), strict=True
    ):
        client = _client_new(
            **{**draft, "phone": phone},
            source=ClientSource.FRONT_DESK,
            referral_code=code,
            created_by=created_by,
        )
        # The phones and codes were checked above for the whole batch; a new client has no
        # id yet, so the constraints on it (own referrer, merged into itself) can't fail;
        # the referrer and the user are saved rows the caller holds (no query per client).
        client.full_clean(
            exclude=["phone", "referral_code", "referred_by", "created_by"],
            validate_unique=False,
            validate_constraints=False,
        )
        clients.append(client)
    try:
        with transaction.atomic():
            return bulk_create_with_history(clients, Client, default_user=created_by)
    except IntegrityError as error:
        if "phone" not in str(error):  # a race past the check above, as _client_save says
            raise
        raise PhoneTaken(field="phone") from None


@transaction.atomic
def client_update(*, client: Client, changes: dict, user=None) -> Client:
    """Change a client's details (R24). `referred_by` may be set once and never changed
    (R25); a tombstone refuses every change (R17). `user` is who asks (None: the system)."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        field = sorted(unknown)[0]
        raise FieldNotEditable(field=field)
    client = Client.objects.select_for_update().get(pk=client.pk)
    _check_may(user=user, client=client, perm="clients.change_client", action="change clients")
    if client.is_tombstone:
        raise ClientMerged()

    for name in ("first_name", "last_name"):
        if name in changes:
            setattr(client, name, _name_clean(changes[name], field=name))
    if "phone" in changes:
        client.phone = phone_normalize(changes["phone"], client=client)
    if "email" in changes:
        client.email = (changes["email"] or "").strip()
    if "birthday" in changes:
        _birthday_check(changes["birthday"])
        client.birthday = changes["birthday"]
    if "notes" in changes:
        client.notes = changes["notes"] or ""
    if "sms_consent" in changes:
        client.sms_consent = changes["sms_consent"]
    if "referred_by" in changes:
        referrer = changes["referred_by"]
        referrer_id = referrer.pk if referrer is not None else None
        if referrer_id != client.referred_by_id:
            if client.referred_by_id is not None:
                raise ReferredByLocked(field="referred_by")
            _referrer_check(client=client, referrer=referrer)
            client.referred_by = referrer

    # phone_normalize validated the phone and its uniqueness; a race past that check is
    # the database's to refuse, and _client_save turns it into the same clear 400.
    client.full_clean(exclude=["phone"])
    _client_save(client)
    return client


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
    _check_may(user=user, client=client, perm="clients.add_clientfile", action="upload files")
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
        uploaded_by=user,
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
    _check_may(user=user, client=client, perm="clients.delete_clientfile", action="delete files")
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


def _referrer_after_merge(*, survivor: Client, duplicate: Client) -> int | None:
    """R17: the survivor keeps its own referrer, else takes the duplicate's, never itself
    (referred by the duplicate: the duplicate's referrer, or none). A choice that would
    close a referral cycle through the clients just moved to the survivor becomes none."""
    candidate = survivor.referred_by_id
    if candidate is None or candidate == duplicate.pk:
        candidate = duplicate.referred_by_id
    if candidate in (survivor.pk, duplicate.pk):
        return None
    seen = set()
    ancestor_id = candidate
    while ancestor_id is not None and ancestor_id not in seen:
        if ancestor_id == survivor.pk:
            return None
        seen.add(ancestor_id)
        ancestor_id = (
            Client.objects.filter(pk=ancestor_id).values_list("referred_by_id", flat=True).first()
        )
    return candidate


@transaction.atomic
def client_merge(
    *, survivor: Client, duplicate: Client, user, now: datetime | None = None
) -> Client:
    """Merge `duplicate` into `survivor` (R17, Manager only). This app moves uploads,
    referrals, the referrer and the app login; every other app moves its own rows in its
    `client_merged` receiver, inside this transaction. The duplicate stays as a tombstone.

    Locks (R78): both client rows FOR NO KEY UPDATE, which other writers' foreign-key
    checks (FOR KEY SHARE, at their COMMIT) don't wait for; then, through
    `client_merge_locking`, the rows other writers lock first (tickets); the receivers of
    `client_merged` follow in the writers' order (appointments, feedback, balances). The one
    change of a key column, the app login, comes last, when every other lock is held."""
    if user is None or not user.has_perm("clients.merge_client"):
        raise PermissionRefused("Only a Manager may merge clients.")
    if survivor.pk == duplicate.pk:
        raise MergeIntoItself(field="duplicate")
    now = now or timezone.now()
    locked = {
        row.pk: row
        for row in Client.objects.select_for_update(no_key=True)
        .filter(pk__in=[survivor.pk, duplicate.pk])
        .order_by("pk")
    }
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    if survivor.is_tombstone:
        raise SurvivorMerged()
    if duplicate.is_tombstone:
        raise DuplicateMerged(field="duplicate")
    client_merge_locking.send(sender=Client, survivor=survivor, duplicate=duplicate)

    # Uploads: the survivor keeps its own profile photo (R17); beyond 20 files are kept.
    if ClientFile.objects.filter(client=survivor, is_profile_photo=True).exists():
        ClientFile.objects.filter(client=duplicate, is_profile_photo=True).update(
            is_profile_photo=False
        )
    ClientFile.objects.filter(client=duplicate).update(client=survivor)

    # Referrals (the one exception to R25, hence update(), which skips Client.save()).
    referrals = Client.objects.filter(referred_by=duplicate).exclude(pk=survivor.pk)
    moved_referral_ids = list(referrals.values_list("pk", flat=True))
    referrals.update(referred_by=survivor, updated_at=now)  # R75: a sync sees the change
    referrer_id = _referrer_after_merge(survivor=survivor, duplicate=duplicate)

    # The app login: moves when the survivor has none, else is switched off (R17).
    login_id = duplicate.user_id
    moves_login = login_id is not None and survivor.user_id is None
    if login_id is not None and not moves_login:
        get_user_model().objects.filter(pk=login_id).update(is_active=False)

    # Tombstone first: that frees its phone (unique among active clients only).
    Client.objects.filter(pk=duplicate.pk).update(merged_into=survivor, updated_at=now)
    survivor_changes = {"referred_by_id": referrer_id, "updated_at": now}
    # Details the survivor lacks are taken from the duplicate; notes are kept from both.
    if survivor.phone is None and duplicate.phone is not None:
        survivor_changes["phone"] = duplicate.phone
    if not survivor.email and duplicate.email:
        survivor_changes["email"] = duplicate.email
    if survivor.birthday is None and duplicate.birthday is not None:
        survivor_changes["birthday"] = duplicate.birthday
    if duplicate.notes:
        survivor_changes["notes"] = "\n\n".join(
            part for part in (survivor.notes, duplicate.notes) if part
        )
    Client.objects.filter(pk=survivor.pk).update(**survivor_changes)

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    client_merged.send(sender=Client, survivor=survivor, duplicate=duplicate, user=user, now=now)

    if moves_login:
        # user_id is unique, so changing it upgrades the row lock to FOR UPDATE, which
        # blocks other writers' foreign-key checks: last, once the receivers hold their
        # locks. The tombstone lets go of the login before the survivor takes it.
        Client.objects.filter(pk=duplicate.pk).update(user=None)
        Client.objects.filter(pk=survivor.pk).update(user_id=login_id)
        survivor.refresh_from_db()
        duplicate.refresh_from_db()
    # update() skips the audit history's signals: the merge writes its rows itself.
    Client.history.bulk_history_create(
        [survivor, duplicate, *Client.objects.filter(pk__in=moved_referral_ids)],
        update=True,
        default_user=user,
        default_change_reason=f"Client #{duplicate.pk} merged into #{survivor.pk}",
        default_date=now,
    )
    return survivor
