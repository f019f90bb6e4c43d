"""Writes for clients: create and update (R24, R25), with the referral code and the checks
they share. Uploads are clients.uploads, the merge clients.merge."""

import secrets
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber
from simple_history.utils import bulk_create_with_history

from clients.errors import (
    BirthdayInFuture,
    BlankName,
    ClientMerged,
    PhoneTaken,
    ReferralCycle,
    ReferredByLocked,
    ReferrerAndCode,
    ReferrerMerged,
    SelfReferral,
    UnknownReferralCode,
)
from clients.models import (
    Client,
    ClientSource,
)
from clients.selectors import client_survivor
from salon.errors import FieldNotEditable, PermissionRefused
from salon.phones import phone_parse
from salon.users import acting_user

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


def check_may(*, user, client: Client, perm: str, action: str) -> None:
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
        created_by=acting_user(created_by),
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
            created_by=acting_user(created_by),
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
    FieldNotEditable.refuse_others(changes, UPDATABLE_FIELDS)
    client = Client.objects.select_for_update().get(pk=client.pk)
    check_may(user=user, client=client, perm="clients.change_client", action="change clients")
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
