"""Writes of the accounts app: API tokens (SPEC §11) and client-app sign-up."""

from django.contrib.auth import authenticate, user_logged_in
from django.db import transaction
from knox.models import get_token_model

from salon.errors import DomainError

SIGN_IN_REFUSED = "Unable to sign in with that username and password."


@transaction.atomic
def auth_token_create(*, username: str, password: str, request=None) -> str:
    """Check the credentials and return a new API token (stored hashed by knox).

    Client-app users sign in with their e-mail address, which sign-up stores in lower case;
    an address typed with capitals (phone keyboards) is tried in lower case too. A wrong
    password and an inactive account get the same answer, so neither is revealed.
    """
    user = authenticate(request, username=username, password=password)
    if user is None and "@" in username and username != username.lower():
        user = authenticate(request, username=username.lower(), password=password)
    if user is None:
        raise DomainError(SIGN_IN_REFUSED)
    _instance, token = get_token_model().objects.create(user=user)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return token
