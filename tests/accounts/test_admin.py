"""Admin of sign-up codes: read-only, no code shown, constant queries."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import PhoneVerification
from tests.clients.factories import ClientFactory

CHANGELIST = "/admin/accounts/phoneverification/"


def add_verifications(count):
    now = timezone.now()
    for _ in range(count):
        customer = ClientFactory()
        PhoneVerification.objects.create(
            client=customer,
            phone=str(customer.phone),
            code_hash=make_password("123456"),
            created_at=now,
            expires_at=now + timedelta(minutes=10),
        )


@pytest.mark.parametrize("rows", [2, 12])
def test_the_changelist_costs_the_same_queries_for_any_number_of_rows(
    client, manager, django_assert_max_num_queries, rows
):
    add_verifications(rows)
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.content.count(b"/change/") >= rows
    assert b"pbkdf2" not in response.content and b"md5$" not in response.content


def test_codes_are_read_only_in_admin(client, manager):
    add_verifications(1)
    verification = PhoneVerification.objects.get()
    client.force_login(manager)
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    page = client.get(f"{CHANGELIST}{verification.pk}/change/")
    assert page.status_code == 200
    assert b'name="attempts"' not in page.content
    assert verification.code_hash.encode() not in page.content
    response = client.post(f"{CHANGELIST}{verification.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert PhoneVerification.objects.count() == 1


def test_front_desk_does_not_see_sign_up_codes(client, front_desk):
    client.force_login(front_desk)
    assert client.get(CHANGELIST).status_code == 403
