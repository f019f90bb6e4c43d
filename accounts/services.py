"""Writes of the accounts app: API tokens and client-app sign-up (SPEC §10, §11)."""

from datetime import datetime, timedelta

from django.contrib.auth import authenticate, password_validation, user_logged_in
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from knox.models import get_token_model

from accounts.errors import (
    ClientChanged,
    CodeBlocked,
    CodeDead,
    CodeExpired,
    CodeTooSoon,
    CodeWrong,
    EmailCodeDead,
    EmailCodeExpired,
    EmailOnAnotherClient,
    EmailRequired,
    EmailTaken,
    InvalidCredentials,
    InvalidEmail,
    NoCode,
    NoEmailChange,
    PhoneHasAccount,
    SignInLocked,
)
from accounts.models import EmailChange, PhoneVerification, User
from clients.errors import PhoneTaken
from clients.models import Client, ClientSource
from clients.services import client_by_referral_code, client_create, client_update
from messaging.models import MessageStatus
from messaging.services import phone_normalize, sms_queue
from salon import roles
from salon.one_time_codes import CODE_LIFETIME, CODE_LIFETIME_MINUTES, code_new, code_refusal

# Sign-up codes (SPEC §11; salon/one_time_codes.py): a new one a minute after the last.
CODE_RESEND_AFTER = timedelta(minutes=1)


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
            raise SignInLocked()
        raise InvalidCredentials()
    instance, token = get_token_model().objects.create(user=user)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return token, instance.expiry


def _email_normalize(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidEmail(field="email") from None
    return email


def _login_checks(*, email: str, password: str, first_name: str = "", last_name: str = "") -> str:
    """The e-mail address (normalized) is free and the password passes Django's validators."""
    email = _email_normalize(email)
    if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
        raise EmailTaken(field="email")
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
        raise InvalidEmail(messages[0], field="email") from None
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same address signed up a moment ago
        raise EmailTaken(field="email") from None
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
        raise CodeTooSoon(field="phone")
    code, code_hash = code_new()
    verification = PhoneVerification.objects.create(
        client=client,
        phone=phone,
        code_hash=code_hash,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    message = sms_queue(
        to=phone,
        body=(
            f"Your salon app sign-up code is {code}. It expires in {CODE_LIFETIME_MINUTES} minutes."
        ),
        purpose=f"signup-code:{verification.pk}",
        client_id=client.pk,
    )
    if message.status == MessageStatus.BLOCKED:
        raise CodeBlocked(field="phone")
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
            raise PhoneHasAccount(field="phone")
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
        raise PhoneTaken(field="phone") from None


def _wrong_code(tries_left: int) -> CodeWrong:
    return CodeWrong(
        f"Wrong code; {tries_left} {'try' if tries_left == 1 else 'tries'} left.", field="code"
    )


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
    with transaction.atomic():
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(phone=number)
            .order_by("-created_at", "-pk")
            .first()
        )
        refusal = code_refusal(
            verification,
            code,
            now=now,
            missing=NoCode(field="code"),
            expired=CodeExpired(field="code"),
            dead=CodeDead(field="code"),
            wrong=_wrong_code,
        )
        if refusal is None:
            return _verified_client_link(
                verification=verification, number=number, email=email, password=password, now=now
            )
    raise refusal


def _verified_client_link(
    *, verification: PhoneVerification, number: str, email: str, password: str, now: datetime
) -> Client:
    client = (
        Client.objects.select_for_update()
        .filter(pk=verification.client_id, merged_into__isnull=True, phone=number)
        .first()
    )
    if client is None:
        raise ClientChanged(field="phone")
    if client.user_id is not None:
        raise PhoneHasAccount(field="phone")
    verification.used_at = now
    verification.save(update_fields=["used_at"])
    client.user = _client_login_create(
        email=email, password=password, first_name=client.first_name, last_name=client.last_name
    )
    # The login is the one field client_update leaves to sign-up (clients.services).
    client.full_clean()
    client.save(update_fields=["user", "updated_at"])
    return client


def _email_free_for(*, email: str, user: User) -> None:
    """R77: an address another account signs in with, or another client's record holds,
    can't become this client's (it locked that person out of signing up)."""
    taken = User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email))
    if taken.exclude(pk=user.pk).exists():
        raise EmailTaken(field="email")
    others = Client.objects.filter(email__iexact=email, merged_into__isnull=True)
    if others.exclude(user=user).exists():
        raise EmailOnAnotherClient(field="email")


def _email_change_send(*, user: User, email: str, now: datetime) -> EmailChange:
    """E-mail a new code to the new address; it replaces any earlier one."""
    code, code_hash = code_new()
    change = EmailChange.objects.create(
        user=user,
        email=email,
        code_hash=code_hash,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    transaction.on_commit(
        lambda: send_mail(
            subject="Confirm your new e-mail address",
            message=(
                f"Your salon app code is {code}. Enter it in the app within "
                f"{CODE_LIFETIME_MINUTES} minutes to use this address. "
                "If you didn't ask for this, ignore this e-mail."
            ),
            from_email=None,
            recipient_list=[email],
        )
    )
    return change


@transaction.atomic
def client_self_update(*, user: User, changes: dict, now: datetime | None = None) -> Client:
    """A client-app user changes their own record (/api/v1/me/) through client_update.

    The e-mail address is also their username (SPEC §10), so a new address doesn't change
    at once (R77): a 6-digit code is e-mailed to it, and client_email_verify makes the
    change. Blank, invalid, or another account's or client's address is a 400, and nothing
    else in the request changes then either."""
    now = now or timezone.now()
    client = user.client
    changes = dict(changes)
    if "email" in changes:
        email = (changes.pop("email") or "").strip().lower()
        if not email:
            raise EmailRequired(field="email")
        if email != user.username:
            email = _email_normalize(email)
            _email_free_for(email=email, user=user)
            _email_change_send(user=user, email=email, now=now)
    return client_update(client=client, changes=changes, user=user)


def client_email_verify(*, user: User, code: str, now: datetime | None = None) -> Client:
    """Finish a /me/ e-mail change with the code e-mailed to the new address (R77): the
    latest code counts, once, for 10 minutes, and dies after 5 wrong tries. The address must
    still be free. Not one transaction on purpose: a wrong try is counted (committed)."""
    now = now or timezone.now()
    with transaction.atomic():
        change = (
            EmailChange.objects.select_for_update()
            .filter(user=user)
            .order_by("-created_at", "-pk")
            .first()
        )
        refusal = code_refusal(
            change,
            code,
            now=now,
            missing=NoEmailChange(field="code"),
            expired=EmailCodeExpired(field="code"),
            dead=EmailCodeDead(field="code"),
            wrong=_wrong_code,
        )
        if refusal is None:
            _email_free_for(email=change.email, user=user)
            change.used_at = now
            change.save(update_fields=["used_at"])
            user.username = user.email = change.email
            user.save(update_fields=["username", "email"])
            return client_update(client=user.client, changes={"email": change.email}, user=user)
    raise refusal
