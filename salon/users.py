"""Who did it: the user a service records as `created_by`, `closed_by`, `voided_by` (#12)."""

from django.http import HttpRequest
from rest_framework.request import Request


def acting_user(request_or_user):
    """The signed-in user behind a request (Django's or the API's), or a user passed as is;
    None when nobody is signed in: an anonymous user can't be stored in a user foreign key."""
    is_request = isinstance(request_or_user, HttpRequest | Request)
    user = request_or_user.user if is_request else request_or_user
    if user is None or not user.is_authenticated or user.pk is None:
        return None
    return user
