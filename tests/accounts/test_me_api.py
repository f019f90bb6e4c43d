"""/api/v1/me/ (SPEC §10, §11): a client-app user's own record."""

import re
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.errors import EmailRequired, EmailTaken
from accounts.models import EmailChange
from accounts.services import client_email_verify, client_self_update
from clients.models import Client
from salon.errors import DomainError
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory

ME_URL = "/api/v1/me/"
EMAIL_VERIFY_URL = "/api/v1/me/email/verify/"


def test_get_returns_the_own_record_with_the_staff_fields(client_api, customer, front_desk_api):
    response = client_api.get(ME_URL)
    assert response.status_code == 200
    staff_view = front_desk_api.get(f"/api/v1/clients/{customer.pk}/").json()
    assert set(response.json()) == set(staff_view)
    assert response.json()["id"] == customer.pk
    assert response.json()["phone"] == staff_view["phone"]


def test_patch_changes_the_own_record(client_api, customer):
    response = client_api.patch(
        ME_URL, {"first_name": "Annie", "phone": "(202) 555-0199", "sms_consent": True}
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "+12025550199"
    customer.refresh_from_db()
    assert (customer.first_name, str(customer.phone), customer.sms_consent) == (
        "Annie",
        "+12025550199",
        True,
    )


def test_the_salons_fields_are_read_only_to_the_client(client_api, customer):
    response = client_api.patch(ME_URL, {"notes": "VIP", "source": "app"}, format="json")
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.notes, customer.source) == ("", "front_desk")


def test_referred_by_may_be_set_once_and_never_changed(client_api, customer):  # R25
    first, second = ClientFactory(), ClientFactory()
    assert client_api.patch(ME_URL, {"referred_by": first.pk}).status_code == 200
    assert client_api.patch(ME_URL, {"referred_by": first.pk}).status_code == 200
    changed = client_api.patch(ME_URL, {"referred_by": second.pk})
    assert changed.status_code == 400
    assert list(changed.json()) == ["referred_by"]
    cleared = client_api.patch(ME_URL, {"referred_by": None}, format="json")
    assert cleared.status_code == 400
    customer.refresh_from_db()
    assert customer.referred_by == first


def test_bad_input_is_400_and_changes_nothing(client_api, customer):
    other = ClientFactory()
    response = client_api.patch(ME_URL, {"first_name": "New", "phone": str(other.phone)})
    assert response.status_code == 400
    assert list(response.json()) == ["phone"]
    customer.refresh_from_db()
    assert customer.first_name != "New"


def test_put_and_delete_are_not_allowed(client_api, customer):
    assert client_api.put(ME_URL, {"first_name": "X"}).status_code == 405
    assert client_api.delete(ME_URL).status_code == 405
    assert Client.objects.filter(pk=customer.pk).exists()


def test_staff_have_no_own_client_record_and_get_403(front_desk_api, manager_api):
    assert front_desk_api.get(ME_URL).status_code == 403
    assert manager_api.patch(ME_URL, {"first_name": "X"}).status_code == 403


def test_anonymous_gets_401_with_the_token_challenge(db):
    response = APIClient().get(ME_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "detail" in response.json()


def test_a_bad_token_is_401(db):
    response = APIClient(headers={"Authorization": "Token not-a-real-token"}).get(ME_URL)
    assert response.status_code == 401


def change_email(api, address, capture):
    """PATCH /me/ with a new address, running the on-commit e-mail as a commit would."""
    with capture(execute=True):
        response = api.patch(ME_URL, {"email": address})
    return response


def code_in(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def test_r77_a_new_email_takes_effect_with_the_code_sent_to_it(
    client_api, customer, client_user, mailoutbox, django_capture_on_commit_callbacks
):  # §10: it is also the new username
    old = customer.email
    response = change_email(
        client_api, "New.Address@Example.com", django_capture_on_commit_callbacks
    )
    assert (response.status_code, response.json()["email"]) == (200, old)
    [message] = mailoutbox
    assert message.to == ["new.address@example.com"]
    client_user.refresh_from_db()
    assert client_user.username == old

    verified = client_api.post(EMAIL_VERIFY_URL, {"code": code_in(message)})
    assert (verified.status_code, verified.json()["email"]) == (200, "new.address@example.com")
    client_user.refresh_from_db()
    assert client_user.username == client_user.email == "new.address@example.com"
    again = client_api.post(EMAIL_VERIFY_URL, {"code": code_in(message)})
    assert (again.status_code, list(again.json())) == (400, ["code"])


def test_r77_a_code_lasts_10_minutes_and_5_tries(
    client_api, customer, client_user, mailoutbox, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to("2026-03-02 10:00:00Z", tick=False)
    change_email(client_api, "new@example.com", django_capture_on_commit_callbacks)
    code = code_in(mailoutbox[-1])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert client_api.post(EMAIL_VERIFY_URL, {"code": wrong}).status_code == 400
    dead = client_api.post(EMAIL_VERIFY_URL, {"code": code})
    assert dead.status_code == 400
    assert EmailChange.objects.get().attempts == 5

    change_email(client_api, "new@example.com", django_capture_on_commit_callbacks)
    time_machine.shift(timedelta(minutes=10))
    expired = client_api.post(EMAIL_VERIFY_URL, {"code": code_in(mailoutbox[-1])})
    assert expired.status_code == 400
    customer.refresh_from_db()
    assert customer.email != "new@example.com"


def test_r77_another_clients_address_is_refused(
    client_api, customer, client_user, mailoutbox, django_capture_on_commit_callbacks
):
    ClientFactory(email="ann@example.com")
    response = change_email(client_api, "Ann@Example.com", django_capture_on_commit_callbacks)
    assert (response.status_code, list(response.json())) == (400, ["email"])
    assert mailoutbox == []
    assert EmailChange.objects.count() == 0


def test_r77_the_service_names_the_refusal_by_code(customer, client_user):
    ClientFactory(email="ann@example.com")
    with pytest.raises(DomainError) as refused:
        client_self_update(user=client_user, changes={"email": "ann@example.com"})
    assert refused.value.code == "email_taken"
    with pytest.raises(DomainError) as refused:
        client_email_verify(user=client_user, code="123456")
    assert refused.value.code == "no_code"


def test_an_email_another_account_uses_is_400_and_changes_nothing(
    client_api, customer, client_user
):
    UserFactory(username="someone", email="taken@example.com")
    response = client_api.patch(ME_URL, {"email": "taken@example.com", "first_name": "Zed"})
    assert response.status_code == 400
    assert response.json() == {"email": [EmailTaken.message]}
    client_user.refresh_from_db()
    customer.refresh_from_db()
    assert client_user.username == customer.email
    assert customer.first_name != "Zed"


def test_the_email_of_an_app_account_cant_be_blank(client_api, customer):
    response = client_api.patch(ME_URL, {"email": ""})
    assert response.status_code == 400
    assert response.json() == {"email": [EmailRequired.message]}


def test_a_failed_change_keeps_the_login_as_it_was(client_api, customer, client_user):
    other = ClientFactory()
    response = client_api.patch(ME_URL, {"email": "moved@example.com", "phone": str(other.phone)})
    assert response.status_code == 400
    client_user.refresh_from_db()
    assert client_user.username == customer.email


def test_session_auth_works_too_with_csrf_on_writes(client_user, customer):  # SPEC §11
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(client_user)
    assert api.get(ME_URL).json()["id"] == customer.pk
    refused = api.patch(ME_URL, {"first_name": "Csrf"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
