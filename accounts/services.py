"""Writes of the accounts app: API tokens and client-app sign-up (SPEC §10, §11)."""

import secrets
from datetime import datetime, timedelta

from django.contrib.auth import authenticate, password_validation, user_logged_in
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from knox.models import get_token_model

from accounts.models import PhoneVerification, User
from clients.models import Client, ClientSource
from clients.services import client_by_referral_code, client_create, client_update
from messaging.models import MessageStatus
from messaging.services import phone_normalize, sms_queue
from salon import roles
from salon.errors import DomainError, TooManyAttempts

SIGN_IN_REFUSED = "Unable to sign in with that username and password."
SIGN_IN_LOCKED = (
    "Too many failed sign-ins for this username from this address; try again later or ask "
    "the salon to unlock the account."
)
EMAIL_TAKEN = "An account with this e-mail address already exists; sign in instead."
PHONE_TAKEN = "Another client already has this phone number."
EMAIL_REQUIRED = "Your app account signs in with this e-mail address: it can't be blank."
PHONE_HAS_ACCOUNT = (
    "A client with this phone number already has an app account; sign in instead "
    "(or ask the salon to reset it)."
)

# Sign-up codes (SPEC §11: 6 digits, 10 minutes, 5 tries; docs/decisions.md).
CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
CODE_MAX_TRIES = 5
CODE_RESEND_AFTER = timedelta(minutes=1)

NO_CODE = "No sign-up code is waiting for this phone number; sign up again to get one."
CODE_EXPIRED = "This code has expired (codes last 10 minutes); sign up again to get a new one."
CODE_DEAD = "Too many wrong codes: this code no longer works. Sign up again to get a new one."
CODE_TOO_SOON = "A code was texted to this number less than a minute ago; wait before asking again."
CODE_BLOCKED = (
    "This phone number has opted out of the salon's texts, so no code can be sent: reply "
    "START to the salon's number, then sign up again."
)
CLIENT_CHANGED = "This client record has changed since the code was sent; sign up again."


class InvalidCredentials(DomainError):
    """A wrong username or password, or an inactive account (the same answer for each)."""

    code = "invalid_credentials"
    message = SIGN_IN_REFUSED


@transaction.atomic
def auth_token_create(*, username: str, password: str, request=None) -> tuple[str, datetime]:
    """Check the credentials and return a new API token (stored hashed by knox) and when it
    expires unless used (R75: each use moves the expiry forward).

    Client-app users sign in with their e-mail address, which sign-up stores in lower case;
    an address typed with capitals (phone keyboards) is tried in lower case too. A wrong
    password and an inactive account get the same answer, so neither is revealed.
    """
    user = authenticate(request, username=username, password=password)
    if user is None and "@" in username and username != username.lower():
        user = authenticate(request, username=username.lower(), password=password)
    if user is None:
        # django-axes (AUTHENTICATION_BACKENDS) counts failures per username and address
        # and marks the request once they reach AXES_FAILURE_LIMIT.
        if getattr(request, "axes_locked_out", False):
            raise TooManyAttempts(SIGN_IN_LOCKED)
        raise InvalidCredentials()
    instance, token = get_token_model().objects.create(user=user)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return token, instance.expiry


def _email_normalize(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError("Enter a valid e-mail address.", field="email") from None
    return email


def _login_checks(*, email: str, password: str, first_name: str = "", last_name: str = "") -> str:
    """The e-mail address (normalized) is free and the password passes Django's validators."""
    email = _email_normalize(email)
    if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
        raise DomainError(EMAIL_TAKEN, field="email")
    candidate = User(username=email, email=email, first_name=first_name, last_name=last_name)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    return email


def _client_login_create(*, email: str, password: str, first_name: str, last_name: str) -> User:
    """A client-app user (SPEC §10): e-mail as username, in the Client group, not staff."""
    user = User(
        username=email,
        email=email,
        first_name=first_name[:150],
        last_name=last_name[:150],
        is_staff=False,
    )
    user.set_password(password)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        # The username is the e-mail address: its errors are the e-mail's.
        messages = error.message_dict.get("username") or error.messages
        raise DomainError(messages[0], field="email") from None
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same address signed up a moment ago
        raise DomainError(EMAIL_TAKEN, field="email") from None
    group, _created = Group.objects.get_or_create(name=roles.CLIENT)
    user.groups.add(group)
    password_validation.password_changed(password, user)
    return user


def _code_send(*, client: Client, phone: str, now: datetime) -> PhoneVerification:
    """Text a new code to `phone`; it replaces any earlier one (only the latest counts)."""
    latest = PhoneVerification.objects.filter(phone=phone).order_by("-created_at", "-pk").first()
    if (
        latest is not None
        and latest.used_at is None
        and now < latest.created_at + CODE_RESEND_AFTER
    ):
        raise DomainError(CODE_TOO_SOON, field="phone")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    verification = PhoneVerification.objects.create(
        client=client,
        phone=phone,
        code_hash=make_password(code),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    message = sms_queue(
        to=phone,
        body=f"Your salon app sign-up code is {code}. It expires in {minutes} minutes.",
        purpose=f"signup-code:{verification.pk}",
        client_id=client.pk,
    )
    if message.status == MessageStatus.BLOCKED:
        raise DomainError(CODE_BLOCKED, field="phone")
    return verification


@transaction.atomic
def client_signup(
    *,
    first_name: str,
    last_name: str,
    phone: str,
    email: str,
    password: str,
    referral_code: str | None = None,
    now: datetime | None = None,
) -> Client | None:
    """Sign up in the client app (SPEC §11). Returns the new client (source `app`) with its
    login, or None when an active client already has this phone and no login: nothing is
    created then, and a code is texted to that phone (finish with client_signup_verify).

    Everything is checked before anything is written or texted: a taken e-mail, a weak
    password, an unknown referral code (R25) or a phone whose client already has a login
    are 400s that change nothing.
    """
    now = now or timezone.now()
    email = _login_checks(
        email=email, password=password, first_name=first_name, last_name=last_name
    )
    number = phone_normalize(phone, field="phone")
    if referral_code:
        client_by_referral_code(code=referral_code)
    existing = (
        Client.objects.select_for_update().filter(phone=number, merged_into__isnull=True).first()
    )
    if existing is not None:
        if existing.user_id is not None:
            raise DomainError(PHONE_HAS_ACCOUNT, field="phone")
        # The referral code is not applied to an existing client: whether they were
        # referred was settled at the desk (R25, docs/decisions.md).
        _code_send(client=existing, phone=number, now=now)
        return None
    user = _client_login_create(
        email=email, password=password, first_name=first_name, last_name=last_name
    )
    try:
        return client_create(
            first_name=first_name,
            last_name=last_name,
            phone=number,
            email=email,
            source=ClientSource.APP,
            referral_code_used=referral_code or None,
            user=user,
        )
    except IntegrityError:  # the same phone signed up a moment ago (R24: unique when active)
        raise DomainError(PHONE_TAKEN, field="phone") from None


def client_signup_verify(
    *, phone: str, code: str, email: str, password: str, now: datetime | None = None
) -> Client:
    """Finish a sign-up that needed a code (SPEC §11): link a new login to the client that
    holds `phone`. The latest code texted to the phone is the only one that counts; it works
    once, for 10 minutes, and dies after 5 wrong tries.

    Not one transaction on purpose: a wrong try must be counted (committed) even though
    the request is refused, or the 5-try limit would never bite.
    """
    now = now or timezone.now()
    email = _login_checks(email=email, password=password)
    number = phone_normalize(phone, field="phone")
    refusal = None
    with transaction.atomic():
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(phone=number)
            .order_by("-created_at", "-pk")
            .first()
        )
        if verification is None or verification.used_at is not None:
            raise DomainError(NO_CODE, field="code")
        if now >= verification.expires_at:
            raise DomainError(CODE_EXPIRED, field="code")
        if verification.attempts >= CODE_MAX_TRIES:
            raise DomainError(CODE_DEAD, field="code")
        if not check_password(str(code).strip(), verification.code_hash):
            verification.attempts += 1
            verification.save(update_fields=["attempts"])
            tries_left = CODE_MAX_TRIES - verification.attempts
            refusal = (
                f"Wrong code; {tries_left} {'try' if tries_left == 1 else 'tries'} left."
                if tries_left
                else CODE_DEAD
            )
        else:
            return _verified_client_link(
                verification=verification, number=number, email=email, password=password, now=now
            )
    raise DomainError(refusal, field="code")


def _verified_client_link(
    *, verification: PhoneVerification, number: str, email: str, password: str, now: datetime
) -> Client:
    client = (
        Client.objects.select_for_update()
        .filter(pk=verification.client_id, merged_into__isnull=True, phone=number)
        .first()
    )
    if client is None:
        raise DomainError(CLIENT_CHANGED, field="phone")
    if client.user_id is not None:
        raise DomainError(PHONE_HAS_ACCOUNT, field="phone")
    verification.used_at = now
    verification.save(update_fields=["used_at"])
    client.user = _client_login_create(
        email=email, password=password, first_name=client.first_name, last_name=client.last_name
    )
    # The login is the one field client_update leaves to sign-up (clients.services).
    client.full_clean()
    client.save(update_fields=["user", "updated_at"])
    return client


@transaction.atomic
def client_self_update(*, user: User, changes: dict) -> Client:
    """A client-app user changes their own record (/api/v1/me/) through client_update. The
    e-mail address is also their username (SPEC §10), so a new address moves the login
    with it, and can't be blank or another account's."""
    client = user.client
    if "email" in changes:
        email = (changes["email"] or "").strip().lower()
        if not email:
            raise DomainError(EMAIL_REQUIRED, field="email")
        if email != user.username:
            taken = User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email))
            if taken.exclude(pk=user.pk).exists():
                raise DomainError(EMAIL_TAKEN, field="email")
            user.username = user.email = email
            user.save(update_fields=["username", "email"])
        changes = {**changes, "email": email}
    return client_update(client=client, changes=changes, user=user)
