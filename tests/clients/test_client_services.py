"""client_create / client_update: R24 (fields, phone, referral code) and R25 (referred by)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import Client, ClientSource
from clients.services import (
    REFERRAL_CODE_ALPHABET,
    REFERRAL_CODE_LENGTH,
    client_by_referral_code,
    client_create,
    client_update,
    clients_create_many,
)
from salon.errors import DomainError, PermissionRefused
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_r24_create_stores_phone_in_e164_from_national_format():
    client = client_create(first_name="Ann", last_name="Lee", phone="(202) 555-0101")
    client.refresh_from_db()
    assert str(client.phone) == "+12025550101"
    assert client.source == ClientSource.FRONT_DESK


def test_r24_national_format_uses_default_region(settings):
    settings.PHONENUMBER_DEFAULT_REGION = "GB"
    client = client_create(first_name="Ann", last_name="Lee", phone="07911 123456")
    assert client.phone.as_e164 == "+447911123456"


def test_r24_referral_code_is_short_unique_and_unambiguous():
    codes = {client_create(first_name="A", last_name=f"N{i}").referral_code for i in range(30)}
    assert len(codes) == 30
    for code in codes:
        assert len(code) == REFERRAL_CODE_LENGTH
        assert set(code) <= set(REFERRAL_CODE_ALPHABET)
        assert not set(code) & set("01OIL")


def test_r24_referral_code_retries_on_collision(monkeypatch):
    existing = ClientFactory(referral_code="AAAAAAAA")
    picks = iter("A" * 8 + "B" * 8)
    monkeypatch.setattr("clients.services.secrets.choice", lambda alphabet: next(picks))
    client = client_create(first_name="Ann", last_name="Lee")
    assert client.referral_code == "BBBBBBBB"
    assert existing.referral_code != client.referral_code


@pytest.mark.parametrize("phone", ["12345", "not a phone", "+1 202 555 01011111", "+999"])
def test_r24_invalid_phone_is_refused_on_field_phone(phone):
    with pytest.raises(DomainError) as error:
        client_create(first_name="Ann", last_name="Lee", phone=phone)
    assert (error.value.field, error.value.code) == ("phone", "invalid_phone")
    assert Client.objects.count() == 0


def test_r24_phone_unique_among_active_clients():
    ClientFactory(phone="+12025550101")
    with pytest.raises(DomainError) as error:
        client_create(first_name="Ann", last_name="Lee", phone="202-555-0101")
    assert (error.value.field, error.value.code) == ("phone", "phone_taken")
    assert Client.objects.count() == 1


def test_r24_a_tombstones_phone_is_free_again():
    survivor = ClientFactory(phone="+12025550199")
    ClientFactory(phone="+12025550101", merged_into=survivor)
    client = client_create(first_name="Ann", last_name="Lee", phone="2025550101")
    assert client.phone.as_e164 == "+12025550101"


def test_r24_blank_phone_is_stored_as_null_and_may_repeat():
    first = client_create(first_name="Ann", last_name="Lee", phone="")
    second = client_create(first_name="Bob", last_name="Lee", phone=None)
    assert first.phone is None and second.phone is None


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_r24_empty_names_are_refused(field):
    names = {"first_name": "Ann", "last_name": "Lee", field: "   "}
    with pytest.raises(DomainError) as error:
        client_create(**names)
    assert error.value.field == field
    assert Client.objects.count() == 0


def test_r24_invalid_email_is_refused():
    with pytest.raises(ValidationError) as error:
        client_create(first_name="Ann", last_name="Lee", email="not-an-email")
    assert "email" in error.value.message_dict
    assert Client.objects.count() == 0


def test_r24_future_birthday_is_refused():
    with pytest.raises(DomainError) as error:
        client_create(
            first_name="Ann", last_name="Lee", birthday=timezone.localdate() + timedelta(days=1)
        )
    assert error.value.code == "birthday_in_future"


def test_r24_create_links_login_and_records_creator(front_desk):
    login = UserFactory()
    client = client_create(first_name="Ann", last_name="Lee", user=login, created_by=front_desk)
    assert client.user == login
    assert client.created_by == front_desk
    assert login.client == client


def test_r25_referral_code_resolves_referrer_case_insensitively():
    referrer = ClientFactory(referral_code="ABCD2345")
    client = client_create(
        first_name="Ann", last_name="Lee", referral_code_used=" abcd2345 ", source=ClientSource.APP
    )
    assert client.referred_by == referrer


def test_r25_unknown_referral_code_is_400_on_referral_code():
    with pytest.raises(DomainError) as error:
        client_create(first_name="Ann", last_name="Lee", referral_code_used="NOPE2345")
    assert error.value.code == "unknown_referral_code"
    assert error.value.status_code == 400
    assert Client.objects.count() == 0


def test_r25_a_merged_clients_code_names_its_survivor():
    survivor = ClientFactory()
    ClientFactory(referral_code="MERGED22", merged_into=survivor)
    assert client_by_referral_code(code="MERGED22") == survivor


def test_r25_tombstone_cannot_be_chosen_as_referrer():
    tombstone = ClientFactory(merged_into=ClientFactory())
    with pytest.raises(DomainError) as error:
        client_create(first_name="Ann", last_name="Lee", referred_by=tombstone)
    assert error.value.code == "referrer_merged"


def test_r25_referred_by_can_be_set_once_later():
    referrer = ClientFactory()
    client = ClientFactory()
    client_update(client=client, changes={"referred_by": referrer})
    client.refresh_from_db()
    assert client.referred_by == referrer


def test_r25_referred_by_never_changes_once_saved():
    first, second = ClientFactory(), ClientFactory()
    client = ClientFactory(referred_by=first)
    for new in (second, None):
        with pytest.raises(DomainError) as error:
            client_update(client=client, changes={"referred_by": new})
        assert error.value.code == "referred_by_locked"
    client.refresh_from_db()
    assert client.referred_by == first


def test_r25_same_referrer_again_is_not_a_change():
    referrer = ClientFactory()
    client = ClientFactory(referred_by=referrer)
    client_update(client=client, changes={"referred_by": referrer, "first_name": "Zoe"})
    client.refresh_from_db()
    assert (client.first_name, client.referred_by) == ("Zoe", referrer)


def test_r25_the_model_itself_refuses_a_changed_referrer():
    first, second = ClientFactory(), ClientFactory()
    client = ClientFactory(referred_by=first)
    client.referred_by = second
    with pytest.raises(ValidationError) as error:
        client.save()
    assert "referred_by" in error.value.message_dict
    assert Client.objects.get(pk=client.pk).referred_by == first


def test_r25_the_model_allows_other_saves_and_a_first_referrer():
    referrer = ClientFactory()
    client = ClientFactory()
    client.referred_by = referrer
    client.save()
    client.notes = "likes tea"
    client.save()
    assert Client.objects.get(pk=client.pk).referred_by == referrer


def test_r25_self_referral_is_refused():
    client = ClientFactory()
    with pytest.raises(DomainError) as error:
        client_update(client=client, changes={"referred_by": client})
    assert error.value.code == "self_referral"


def test_r25_referral_cycles_are_refused():
    a = ClientFactory()
    b = ClientFactory(referred_by=a)
    c = ClientFactory(referred_by=b)
    with pytest.raises(DomainError) as error:
        client_update(client=a, changes={"referred_by": c})
    assert error.value.code == "referral_cycle"
    a.refresh_from_db()
    assert a.referred_by is None


def test_r17_tombstone_refuses_every_change():
    tombstone = ClientFactory(merged_into=ClientFactory(), first_name="Old")
    with pytest.raises(DomainError) as error:
        client_update(client=tombstone, changes={"first_name": "New"})
    assert error.value.code == "client_merged"
    tombstone.refresh_from_db()
    assert tombstone.first_name == "Old"


def test_r24_update_validates_phone_and_changes_nothing_on_error():
    ClientFactory(phone="+12025550101")
    client = ClientFactory(phone="+12025550102", first_name="Ann")
    with pytest.raises(DomainError) as error:
        client_update(client=client, changes={"first_name": "Zoe", "phone": "202 555 0101"})
    assert error.value.field == "phone"
    client.refresh_from_db()
    assert (client.first_name, client.phone.as_e164) == ("Ann", "+12025550102")


def test_r24_update_keeps_own_phone_and_normalizes():
    client = ClientFactory(phone="+12025550102")
    client_update(client=client, changes={"phone": "202.555.0102", "birthday": date(1990, 5, 1)})
    client.refresh_from_db()
    assert client.phone.as_e164 == "+12025550102"
    assert client.birthday == date(1990, 5, 1)


def test_update_refuses_fields_with_their_own_paths():
    client = ClientFactory()
    for field in ("referral_code", "merged_into", "user"):
        with pytest.raises(DomainError) as error:
            client_update(client=client, changes={field: None})
        assert error.value.field == field


def test_section10_update_by_a_user_without_the_permission_is_refused():
    client = ClientFactory(first_name="Ann")
    stranger = UserFactory()
    with pytest.raises(PermissionRefused):
        client_update(client=client, changes={"first_name": "Zoe"}, user=stranger)
    owner = UserFactory()
    client.user = owner
    client.save()
    client_update(client=client, changes={"first_name": "Zoe"}, user=owner)
    client.refresh_from_db()
    assert client.first_name == "Zoe"


def test_section10_front_desk_may_update(front_desk):
    client = ClientFactory()
    client_update(client=client, changes={"notes": "VIP"}, user=front_desk)
    client.refresh_from_db()
    assert client.notes == "VIP"


def test_many_clients_are_created_at_the_desks_rules(manager):  # R24, R25, R82
    ann = ClientFactory(first_name="Ann", last_name="Lee")
    created = clients_create_many(
        [
            {"first_name": " Bea ", "last_name": "Ray", "phone": "(202) 555-0181"},
            {"first_name": "Cal", "last_name": "Moss", "referred_by": ann, "email": "c@x.com"},
        ],
        created_by=manager,
    )
    bea, cal = (Client.objects.get(pk=client.pk) for client in created)
    assert (bea.first_name, str(bea.phone), bea.source) == ("Bea", "+12025550181", "front_desk")
    assert cal.referred_by == ann and cal.created_by == manager
    assert len({bea.referral_code, cal.referral_code, ann.referral_code}) == 3
    assert bea.history.get().history_user == manager  # the audit trail is kept


@pytest.mark.parametrize(
    ("drafts", "code"),
    [
        ([{"first_name": "A", "last_name": "B", "phone": "+12025550101"}], "phone_taken"),
        (
            [
                {"first_name": "A", "last_name": "B", "phone": "(202) 555-0182"},
                {"first_name": "C", "last_name": "D", "phone": "202.555.0182"},
            ],
            "phone_taken",
        ),
        ([{"first_name": "", "last_name": "B"}], "blank"),
        ([{"first_name": "A", "last_name": "B", "phone": "555-12"}], "invalid_phone"),
    ],
)
def test_many_clients_refused_by_code_and_none_created(drafts, code):  # R24
    ClientFactory(phone="+12025550101")
    with pytest.raises(DomainError) as refused:
        clients_create_many(drafts)
    assert refused.value.code == code
    assert Client.objects.count() == 1
