"""Writes for clients: create, update (R24, R25), uploads (R27) and merge (R17)."""

import secrets
from datetime import date

import phonenumbers
from django.db import transaction
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from clients.models import Client, ClientSource
from salon.errors import DomainError, PermissionRefused

# No 0/O or 1/I/L: codes are read aloud at the desk and typed into the app.
REFERRAL_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERRAL_CODE_LENGTH = 8
REFERRAL_CODE_ATTEMPTS = 10

# Fields client_update accepts; the rest (referral_code, merged_into, user) have their own
# paths (generated, merge, signup) and are never set through a plain update.
UPDATABLE_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "phone",
        "email",
        "birthday",
        "notes",
        "sms_consent",
        "source",
        "referred_by",
    }
)

TOMBSTONE_MESSAGE = "This client was merged into another client and can no longer be changed."


def referral_code_generate() -> str:
    """A short, unambiguous code nobody holds yet (R24)."""
    for _ in range(REFERRAL_CODE_ATTEMPTS):
        code = "".join(secrets.choice(REFERRAL_CODE_ALPHABET) for _ in range(REFERRAL_CODE_LENGTH))
        if not Client.objects.filter(referral_code=code).exists():
            return code
    # 31^8 ≈ 8.5e11 codes: ten collisions in a row means something else is wrong.
    raise RuntimeError("Could not generate a free referral code.")


def phone_normalize(value, *, client: Client | None = None) -> PhoneNumber | None:
    """Parse a phone as typed (national format uses PHONENUMBER_DEFAULT_REGION) into E.164,
    refusing invalid numbers and numbers another active client holds (R24)."""
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
        raise DomainError("Enter a valid mobile phone number.", field="phone")
    holders = Client.objects.filter(phone=number.as_e164, merged_into__isnull=True)
    if client is not None and client.pk is not None:
        holders = holders.exclude(pk=client.pk)
    if holders.exists():
        raise DomainError("Another client already has this phone number.", field="phone")
    return number


def _name_clean(value, *, field: str) -> str:
    name = (value or "").strip()
    if not name:
        raise DomainError("This field may not be blank.", field=field)
    return name


def _birthday_check(birthday: date | None) -> None:
    if birthday is not None and birthday > timezone.localdate():
        raise DomainError("A birthday can't be in the future.", field="birthday")


def _referrer_check(*, client: Client | None, referrer: Client) -> None:
    """R25: no self-referral, no tombstone referrer, no cycle (walk the referrer's chain)."""
    if client is not None and client.pk is not None and referrer.pk == client.pk:
        raise DomainError("A client can't refer themselves.", field="referred_by")
    if referrer.is_tombstone:
        raise DomainError(
            "This client was merged into another and can't be a referrer.", field="referred_by"
        )
    if client is None or client.pk is None:
        return  # a new client refers nobody yet, so no cycle can close through it
    seen = {referrer.pk}
    ancestor_id = referrer.referred_by_id
    while ancestor_id is not None and ancestor_id not in seen:
        if ancestor_id == client.pk:
            raise DomainError(
                "This referral would make a cycle: the chosen referrer was referred, directly "
                "or through others, by this client.",
                field="referred_by",
            )
        seen.add(ancestor_id)
        ancestor_id = (
            Client.objects.filter(pk=ancestor_id).values_list("referred_by_id", flat=True).first()
        )


def client_by_referral_code(*, code: str) -> Client:
    """The referrer a referral code names; a merged client's code names its survivor."""
    normalized = (code or "").strip().upper()
    referrer = Client.objects.filter(referral_code=normalized).first() if normalized else None
    if referrer is None:
        raise DomainError("Unknown referral code.", field="referral_code")
    seen = set()
    while referrer.merged_into_id is not None and referrer.pk not in seen:
        seen.add(referrer.pk)
        referrer = Client.objects.get(pk=referrer.merged_into_id)
    return referrer


def _check_may_change(*, user, client: Client) -> None:
    """Staff need clients.change_client; a client-app user may change only their own record."""
    if user is None:
        return
    if client.user_id is not None and client.user_id == user.pk:
        return
    if not (user.is_staff and user.has_perm("clients.change_client")):
        raise PermissionRefused("Your role may not change clients.")


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
        raise DomainError(
            "Give either a referrer or a referral code, not both.", field="referral_code"
        )
    if referral_code_used:
        referred_by = client_by_referral_code(code=referral_code_used)
    if referred_by is not None:
        _referrer_check(client=None, referrer=referred_by)
    _birthday_check(birthday)
    client = Client(
        first_name=_name_clean(first_name, field="first_name"),
        last_name=_name_clean(last_name, field="last_name"),
        phone=phone_normalize(phone),
        email=(email or "").strip(),
        birthday=birthday,
        notes=notes or "",
        sms_consent=sms_consent,
        source=source,
        referred_by=referred_by,
        referral_code=referral_code_generate(),
        user=user,
        created_by=created_by,
    )
    client.full_clean()
    client.save()
    return client


@transaction.atomic
def client_update(*, client: Client, changes: dict, user=None) -> Client:
    """Change a client's details (R24). `referred_by` may be set once and never changed
    (R25); a tombstone refuses every change (R17). `user` is who asks (None: the system)."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError("This field can't be changed here.", field=field)
    client = Client.objects.select_for_update().get(pk=client.pk)
    _check_may_change(user=user, client=client)
    if client.is_tombstone:
        raise DomainError(TOMBSTONE_MESSAGE)

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
    for name in ("sms_consent", "source"):
        if name in changes:
            setattr(client, name, changes[name])
    if "referred_by" in changes:
        referrer = changes["referred_by"]
        referrer_id = referrer.pk if referrer is not None else None
        if referrer_id != client.referred_by_id:
            if client.referred_by_id is not None:
                raise DomainError(
                    "Referred by can't be changed once it has been saved.", field="referred_by"
                )
            _referrer_check(client=client, referrer=referrer)
            client.referred_by = referrer

    client.full_clean()
    client.save()
    return client
