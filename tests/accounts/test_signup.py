"""Client-app sign-up (SPEC §10, §11): /signup/ and /signup/verify/."""

import re
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework.test import APIClient

from accounts.errors import (
    ClientChanged,
    CodeBlocked,
    CodeDead,
    CodeExpired,
    CodeTooSoon,
    EmailTaken,
    NoCode,
    PhoneHasAccount,
)
from accounts.models import PhoneVerification, User
from clients.models import Client, ClientSource
from messaging.models import Message
from salon import roles
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory
from tests.messaging.factories import OptOutFactory

SIGNUP_URL = "/api/v1/signup/"
VERIFY_URL = "/api/v1/signup/verify/"
PASSWORD = "velvet-salon-42"


def signup_body(**changes):
    body = {
        "first_name": "Ann",
        "last_name": "Lee",
        "phone": "+12025550142",
        "email": "ann.lee@example.com",
        "password": PASSWORD,
    }
    body.update(changes)
    return body


@pytest.fixture
def existing(db):
    """A client the front desk entered, without an app login."""
    return ClientFactory(phone="+12025550142", email="")


def texted_code(sms_outbox) -> str:
    assert len(sms_outbox) == 1
    return re.search(r"\b(\d{6})\b", sms_outbox[0].body).group(1)


def ask_code(anonymous_api, capture, **changes):
    with capture(execute=True):
        response = anonymous_api.post(SIGNUP_URL, signup_body(**changes), format="json")
    assert response.status_code == 202, response.content
    return response


def verify_body(code, **changes):
    body = {"phone": "+12025550142", "code": code, "email": "ann.lee@example.com"}
    body["password"] = PASSWORD
    body.update(changes)
    return body


def assert_nothing_created(clients_before=0):
    assert User.objects.filter(is_staff=False).count() == 0
    assert Client.objects.count() == clients_before


# --- new phone: a new client and its login ------------------------------------------------


def test_signup_creates_an_app_client_and_its_login(anonymous_api, db):
    response = anonymous_api.post(
        SIGNUP_URL, signup_body(email="Ann.Lee@Example.com", phone="(202) 555-0142")
    )
    assert response.status_code == 201
    data = response.json()
    assert data["source"] == "app"
    assert (data["first_name"], data["last_name"]) == ("Ann", "Lee")
    assert data["phone"] == "+12025550142"
    assert data["email"] == "ann.lee@example.com"
    client = Client.objects.get(pk=data["id"])
    assert client.source == ClientSource.APP
    user = client.user
    assert user.username == user.email == "ann.lee@example.com"
    assert not user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [roles.CLIENT]
    assert user.check_password(PASSWORD)
    assert PhoneVerification.objects.count() == 0


def test_a_new_client_can_sign_in_and_read_its_record(anonymous_api, db):
    client_id = anonymous_api.post(SIGNUP_URL, signup_body()).json()["id"]
    token = anonymous_api.post(
        "/api/v1/auth/token/", {"username": "Ann.Lee@example.com", "password": PASSWORD}
    ).json()["token"]
    anonymous_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = anonymous_api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["id"] == client_id


def test_a_referral_code_names_the_referrer(anonymous_api, db):  # R25
    referrer = ClientFactory(referral_code="FRIEND22")
    response = anonymous_api.post(SIGNUP_URL, signup_body(referral_code="friend22"))
    assert response.status_code == 201
    assert response.json()["referred_by"] == referrer.pk
    assert Client.objects.get(pk=response.json()["id"]).referred_by == referrer


def test_a_blank_referral_code_is_no_referral(anonymous_api, db):
    response = anonymous_api.post(SIGNUP_URL, signup_body(referral_code=""))
    assert response.status_code == 201
    assert response.json()["referred_by"] is None


def test_an_unknown_referral_code_is_400_and_creates_nothing(anonymous_api, db):  # R25
    response = anonymous_api.post(SIGNUP_URL, signup_body(referral_code="NOPE1234"))
    assert response.status_code == 400
    assert response.json() == {"referral_code": ["Unknown referral code."]}
    assert_nothing_created()


@pytest.mark.parametrize(
    "password, fragment",
    [
        ("sh0rt!", "too short"),
        ("password123", "too common"),
        ("4829105738261", "entirely numeric"),
        ("ann.lee@example", "too similar"),
    ],
)
def test_a_weak_password_is_400_and_creates_nothing(anonymous_api, db, password, fragment):
    response = anonymous_api.post(SIGNUP_URL, signup_body(password=password))
    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    assert any(fragment in message for message in response.json()["password"])
    assert_nothing_created()


@pytest.mark.parametrize("taken_as", ["username", "email"])
def test_an_email_already_used_by_a_user_is_400(anonymous_api, db, taken_as):
    UserFactory(
        **{"username": "someone", "email": "x@example.com", taken_as: "ANN.LEE@example.com"}
    )
    response = anonymous_api.post(SIGNUP_URL, signup_body())
    assert response.status_code == 400
    assert response.json() == {"email": [EmailTaken.message]}
    assert Client.objects.count() == 0


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"phone": "12"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"first_name": ""}, "first_name"),
        ({"last_name": "  "}, "last_name"),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(anonymous_api, db, changes, field):
    response = anonymous_api.post(SIGNUP_URL, signup_body(**changes))
    assert response.status_code == 400
    assert field in response.json()
    assert_nothing_created()


def test_missing_fields_are_each_named(anonymous_api, db):
    response = anonymous_api.post(SIGNUP_URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"first_name", "last_name", "phone", "email", "password"}


def test_a_phone_only_a_tombstone_holds_is_free(anonymous_api, db):  # R17, R24
    survivor = ClientFactory()
    ClientFactory(phone="+12025550142", merged_into=survivor)
    response = anonymous_api.post(SIGNUP_URL, signup_body())
    assert response.status_code == 201


# --- phone of an existing client: a texted code -------------------------------------------


def test_a_phone_an_existing_client_holds_gets_a_code_and_creates_nothing(
    anonymous_api, existing, sms_outbox, django_capture_on_commit_callbacks
):
    response = ask_code(anonymous_api, django_capture_on_commit_callbacks, phone="202-555-0142")
    assert response.json() == {"verification_required": True}
    assert_nothing_created(clients_before=1)
    assert sms_outbox[0].to == "+12025550142"
    code = texted_code(sms_outbox)
    verification = PhoneVerification.objects.get()
    assert verification.client == existing
    assert code not in verification.code_hash
    assert check_password(code, verification.code_hash)
    assert verification.expires_at - verification.created_at == timedelta(minutes=10)
    message = Message.objects.get()
    assert message.purpose == f"signup-code:{verification.pk}"
    assert message.client_id == existing.pk


def test_an_existing_client_with_a_login_is_told_to_sign_in(anonymous_api, client_user, customer):
    response = anonymous_api.post(SIGNUP_URL, signup_body(phone=str(customer.phone)))
    assert response.status_code == 400
    assert response.json() == {"phone": [PhoneHasAccount.message]}
    assert PhoneVerification.objects.count() == 0
    assert Message.objects.count() == 0


def test_the_existing_client_path_still_refuses_an_unknown_referral_code(anonymous_api, existing):
    response = anonymous_api.post(SIGNUP_URL, signup_body(referral_code="NOPE1234"))
    assert response.status_code == 400
    assert "referral_code" in response.json()
    assert PhoneVerification.objects.count() == 0


def test_the_existing_client_path_checks_the_password_before_texting(
    anonymous_api, existing, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous_api.post(SIGNUP_URL, signup_body(password="123"))
    assert response.status_code == 400
    assert "password" in response.json()
    assert sms_outbox == []


def test_no_code_is_texted_to_a_number_that_opted_out(anonymous_api, existing, sms_outbox):
    OptOutFactory(phone="+12025550142")
    response = anonymous_api.post(SIGNUP_URL, signup_body())
    assert response.status_code == 400
    assert response.json() == {"phone": [CodeBlocked.message]}
    assert PhoneVerification.objects.count() == 0
    assert Message.objects.count() == 0


def test_a_new_code_waits_a_minute_and_replaces_the_old_one(
    anonymous_api, existing, sms_outbox, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to("2026-03-02 10:00:00Z", tick=False)
    ask_code(anonymous_api, django_capture_on_commit_callbacks)
    first_code = texted_code(sms_outbox)
    time_machine.shift(timedelta(seconds=59))
    too_soon = anonymous_api.post(SIGNUP_URL, signup_body())
    assert too_soon.status_code == 400
    assert too_soon.json() == {"phone": [CodeTooSoon.message]}
    time_machine.shift(timedelta(seconds=1))
    sms_outbox.clear()
    ask_code(anonymous_api, django_capture_on_commit_callbacks)
    second_code = texted_code(sms_outbox)
    assert PhoneVerification.objects.count() == 2
    if first_code != second_code:
        stale = anonymous_api.post(VERIFY_URL, verify_body(first_code))
        assert stale.status_code == 400
    assert anonymous_api.post(VERIFY_URL, verify_body(second_code)).status_code == 201


# --- verify ---------------------------------------------------------------------------------


def test_the_right_code_links_a_new_login_to_the_existing_client(
    anonymous_api, existing, sms_outbox, django_capture_on_commit_callbacks
):
    ask_code(anonymous_api, django_capture_on_commit_callbacks)
    response = anonymous_api.post(
        VERIFY_URL, verify_body(texted_code(sms_outbox), email="Ann.Lee@example.com")
    )
    assert response.status_code == 201
    assert response.json()["id"] == existing.pk
    existing.refresh_from_db()
    assert existing.user.username == "ann.lee@example.com"
    assert existing.user.check_password(PASSWORD)
    assert not existing.user.is_staff
    assert existing.user.groups.get() == Group.objects.get(name=roles.CLIENT)
    assert existing.source == ClientSource.FRONT_DESK  # the record is the desk's, unchanged
    assert Client.objects.count() == 1


def test_a_code_works_once(anonymous_api, existing, sms_outbox, django_capture_on_commit_callbacks):
    ask_code(anonymous_api, django_capture_on_commit_callbacks)
    code = texted_code(sms_outbox)
    assert anonymous_api.post(VERIFY_URL, verify_body(code)).status_code == 201
    again = anonymous_api.post(VERIFY_URL, verify_body(code, email="other@example.com"))
    assert again.status_code == 400
    assert again.json() == {"code": [NoCode.message]}
    assert User.objects.filter(username="other@example.com").count() == 0


def test_wrong_codes_count_and_the_fifth_kills_the_code(
    anonymous_api, existing, sms_outbox, django_capture_on_commit_callbacks
):
    ask_code(anonymous_api, django_capture_on_commit_callbacks)
    code = texted_code(sms_outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = [
        anonymous_api.post(VERIFY_URL, verify_body(wrong)).json()["code"][0] for _ in range(5)
    ]
    assert answers == [
        "Wrong code; 4 tries left.",
        "Wrong code; 3 tries left.",
        "Wrong code; 2 tries left.",
        "Wrong code; 1 try left.",
        CodeDead.message,
    ]
    assert PhoneVerification.objects.get().attempts == 5
    dead = anonymous_api.post(VERIFY_URL, verify_body(code))
    assert dead.status_code == 400
    assert dead.json() == {"code": [CodeDead.message]}
    existing.refresh_from_db()
    assert existing.user is None


def test_a_code_expires_after_ten_minutes(
    anonymous_api, existing, sms_outbox, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to("2026-03-02 10:00:00Z", tick=False)
    ask_code(anonymous_api, django_capture_on_commit_callbacks)
    code = texted_code(sms_outbox)
    time_machine.shift(timedelta(minutes=10))
    expired = anonymous_api.post(VERIFY_URL, verify_body(code))
    assert expired.status_code == 400
    assert expired.json() == {"code": [CodeExpired.message]}
    existing.refresh_from_db()
    assert existing.user is None


def test_a_code_still_works_just_before_ten_minutes(
    anonymous_api, existing, sms_outbox, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to("2026-03-02 10:00:00Z", tick=False)
    ask_code(anonymous_api, django_capture_on_commit_callbacks)
    time_machine.shift(timedelta(minutes=9, seconds=59))
    response = anonymous_api.post(VERIFY_URL, verify_body(texted_code(sms_outbox)))
    assert response.status_code == 201


def test_verify_without_a_code_sent_is_400(anonymous_api, existing):
    response = anonymous_api.post(VERIFY_URL, verify_body("123456"))
    assert response.status_code == 400
    assert response.json() == {"code": [NoCode.message]}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"code": "12ab56"}, "code"),
        ({"code": "12345"}, "code"),
        ({"password": "123"}, "password"),
        ({"email": "nope"}, "email"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_bad_verify_input_is_400_and_costs_no_try(
    anonymous_api, existing, sms_outbox, django_capture_on_commit_callbacks, changes, field
):
    ask_code(anonymous_api, django_capture_on_commit_callbacks)
    code = texted_code(sms_outbox)
    response = anonymous_api.post(VERIFY_URL, {**verify_body(code), **changes})
    assert response.status_code == 400
    assert field in response.json()
    assert PhoneVerification.objects.get().attempts == 0
    assert anonymous_api.post(VERIFY_URL, verify_body(code)).status_code == 201


def test_verify_refuses_an_email_taken_meanwhile(
    anonymous_api, existing, sms_outbox, django_capture_on_commit_callbacks
):
    ask_code(anonymous_api, django_capture_on_commit_callbacks)
    UserFactory(username="ann.lee@example.com")
    response = anonymous_api.post(VERIFY_URL, verify_body(texted_code(sms_outbox)))
    assert response.status_code == 400
    assert response.json() == {"email": [EmailTaken.message]}


def test_verify_refuses_a_client_that_got_a_login_meanwhile(
    anonymous_api, existing, sms_outbox, django_capture_on_commit_callbacks
):
    ask_code(anonymous_api, django_capture_on_commit_callbacks)
    existing.user = UserFactory(username="desk-made@example.com")
    existing.save()
    response = anonymous_api.post(VERIFY_URL, verify_body(texted_code(sms_outbox)))
    assert response.status_code == 400
    assert response.json() == {"phone": [PhoneHasAccount.message]}
    assert PhoneVerification.objects.get().used_at is None


def test_verify_refuses_a_client_merged_meanwhile(
    anonymous_api, existing, sms_outbox, django_capture_on_commit_callbacks, manager
):
    from clients.merge import client_merge

    ask_code(anonymous_api, django_capture_on_commit_callbacks)
    client_merge(survivor=ClientFactory(), duplicate=existing, user=manager)
    response = anonymous_api.post(VERIFY_URL, verify_body(texted_code(sms_outbox)))
    assert response.status_code == 400
    assert response.json() == {"phone": [ClientChanged.message]}


def test_signup_is_throttled_per_client_address(anonymous_api, db):
    codes = [
        anonymous_api.post(SIGNUP_URL, signup_body(password="x")).status_code for _ in range(11)
    ]
    assert codes == [400] * 10 + [429]


def _signup_in_thread(body, barrier, results):
    try:
        barrier.wait(timeout=10)
        results.append(APIClient().post(SIGNUP_URL, body, format="json"))
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "second_changes",
    [{"phone": "+12025550177"}, {"email": "other@example.com"}],
    ids=["same-email", "same-phone"],
)
def test_two_simultaneous_signups_for_one_login_make_one(second_changes):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    barrier = threading.Barrier(2)
    results: list = []
    threads = [
        threading.Thread(target=_signup_in_thread, args=(body, barrier, results))
        for body in (signup_body(), signup_body(**second_changes))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(response.status_code for response in results) == [201, 400]
    assert Client.objects.count() == 1
    assert User.objects.count() == 1
