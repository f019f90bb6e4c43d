"""Merging two clients, the clients side (R17)."""

from datetime import UTC, datetime

import pytest

from clients.models import Client, ClientFile
from clients.services import client_file_upload, client_merge, client_update
from clients.signals import client_merged
from salon.errors import DomainError, PermissionRefused
from tests.accounts.factories import UserFactory
from tests.appointments.factories import AppointmentFactory
from tests.clients.factories import PDF_BYTES, ClientFactory, upload

pytestmark = pytest.mark.django_db


def test_r17_duplicate_becomes_a_tombstone_and_frees_its_phone(manager):
    survivor = ClientFactory(phone="+12025550101")
    duplicate = ClientFactory(phone="+12025550102")
    result = client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    duplicate.refresh_from_db()
    assert result == survivor
    assert duplicate.merged_into == survivor
    assert duplicate.is_tombstone
    ClientFactory(phone="+12025550102")  # the tombstone no longer holds the number


def test_r17_survivor_without_phone_or_email_takes_the_duplicates(manager):
    survivor = ClientFactory(phone=None, email="", notes="Likes tea")
    duplicate = ClientFactory(phone="+12025550102", email="dup@example.com", notes="Allergic")
    survivor = client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert survivor.phone.as_e164 == "+12025550102"
    assert survivor.email == "dup@example.com"
    assert survivor.notes == "Likes tea\n\nAllergic"


def test_r17_only_a_manager_may_merge(front_desk):
    survivor, duplicate = ClientFactory(), ClientFactory()
    for user in (front_desk, None, UserFactory()):
        with pytest.raises(PermissionRefused):
            client_merge(survivor=survivor, duplicate=duplicate, user=user)
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_r17_refuses_merging_into_itself(manager):
    client = ClientFactory()
    with pytest.raises(DomainError) as error:
        client_merge(survivor=client, duplicate=client, user=manager)
    assert error.value.code == "merge_into_itself"


def test_r17_refuses_merging_into_a_tombstone_or_merging_a_tombstone(manager):
    other = ClientFactory()
    tombstone = ClientFactory(merged_into=other)
    live = ClientFactory()
    with pytest.raises(DomainError):
        client_merge(survivor=tombstone, duplicate=live, user=manager)
    with pytest.raises(DomainError) as error:
        client_merge(survivor=live, duplicate=tombstone, user=manager)
    assert error.value.code == "duplicate_merged"
    live.refresh_from_db()
    tombstone.refresh_from_db()
    assert live.merged_into is None and tombstone.merged_into == other


def test_r17_uploads_move_and_survivor_keeps_its_profile_photo(manager, photos_on):
    survivor, duplicate = ClientFactory(), ClientFactory()
    own = client_file_upload(client=survivor, uploaded_file=upload(), is_profile_photo=True)
    theirs = client_file_upload(client=duplicate, uploaded_file=upload(), is_profile_photo=True)
    document = client_file_upload(client=duplicate, uploaded_file=upload("a.pdf", PDF_BYTES))
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert set(survivor.files.values_list("pk", flat=True)) == {own.pk, theirs.pk, document.pk}
    assert list(survivor.files.filter(is_profile_photo=True)) == [own]


def test_r17_survivor_without_photo_takes_the_duplicates(manager, photos_on):
    survivor, duplicate = ClientFactory(), ClientFactory()
    theirs = client_file_upload(client=duplicate, uploaded_file=upload(), is_profile_photo=True)
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    theirs.refresh_from_db()
    assert (theirs.client, theirs.is_profile_photo) == (survivor, True)


def test_r17_over_20_files_are_kept_and_new_uploads_refused_until_below(
    manager, photos_on, settings
):
    settings.CLIENT_UPLOAD_MAX_FILES = 3
    survivor, duplicate = ClientFactory(), ClientFactory()
    for _ in range(3):
        client_file_upload(client=survivor, uploaded_file=upload())
        client_file_upload(client=duplicate, uploaded_file=upload())
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert survivor.files.count() == 6
    with pytest.raises(DomainError):
        client_file_upload(client=survivor, uploaded_file=upload())
    ClientFile.objects.filter(pk__in=survivor.files.values_list("pk", flat=True)[:4]).delete()
    client_file_upload(client=survivor, uploaded_file=upload())
    assert survivor.files.count() == 3


def test_r17_clients_the_duplicate_referred_move_to_the_survivor(manager):
    survivor, duplicate = ClientFactory(), ClientFactory()
    referred = ClientFactory(referred_by=duplicate)
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    referred.refresh_from_db()
    assert referred.referred_by == survivor


def test_r17_survivor_keeps_its_own_referrer(manager):
    own, theirs = ClientFactory(), ClientFactory()
    survivor = ClientFactory(referred_by=own)
    duplicate = ClientFactory(referred_by=theirs)
    survivor = client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert survivor.referred_by == own


def test_r17_survivor_without_referrer_takes_the_duplicates(manager):
    theirs = ClientFactory()
    survivor, duplicate = ClientFactory(), ClientFactory(referred_by=theirs)
    survivor = client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert survivor.referred_by == theirs


def test_r17_survivor_referred_by_the_duplicate_takes_the_duplicates_referrer(manager):
    grand = ClientFactory()
    duplicate = ClientFactory(referred_by=grand)
    survivor = ClientFactory(referred_by=duplicate)
    survivor = client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert survivor.referred_by == grand


def test_r17_survivor_referred_by_the_duplicate_without_referrer_gets_none(manager):
    duplicate = ClientFactory()
    survivor = ClientFactory(referred_by=duplicate)
    survivor = client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert survivor.referred_by is None


def test_r17_duplicate_referred_by_the_survivor_never_makes_it_its_own_referrer(manager):
    survivor = ClientFactory()
    duplicate = ClientFactory(referred_by=survivor)
    survivor = client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert survivor.referred_by is None


def test_r17_merge_never_leaves_a_referral_cycle(manager):
    duplicate = ClientFactory()
    middle = ClientFactory(referred_by=duplicate)
    survivor = ClientFactory(referred_by=middle)
    survivor = client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    middle.refresh_from_db()
    assert middle.referred_by == survivor
    assert survivor.referred_by is None


def test_r17_after_merge_the_survivor_can_still_set_a_referrer_once(manager):
    survivor, duplicate, referrer = ClientFactory(), ClientFactory(), ClientFactory()
    survivor = client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    client_update(client=survivor, changes={"referred_by": referrer})
    survivor.refresh_from_db()
    assert survivor.referred_by == referrer


def test_r17_login_moves_to_a_survivor_without_one(manager):
    login = UserFactory()
    survivor, duplicate = ClientFactory(), ClientFactory(user=login)
    survivor = client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    duplicate.refresh_from_db()
    login.refresh_from_db()
    assert survivor.user == login
    assert duplicate.user is None
    assert login.is_active
    assert login.client == survivor


def test_r17_login_is_deactivated_when_the_survivor_has_one(manager):
    own, theirs = UserFactory(), UserFactory()
    survivor, duplicate = ClientFactory(user=own), ClientFactory(user=theirs)
    survivor = client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert survivor.user == own
    assert own.is_active and not theirs.is_active


def test_r17_tombstone_refuses_changes_after_merge(manager):
    survivor, duplicate = ClientFactory(), ClientFactory()
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    with pytest.raises(DomainError):
        client_update(client=duplicate, changes={"notes": "x"})


def test_r17_client_merged_is_sent_with_the_merged_rows(manager):
    survivor, duplicate = ClientFactory(), ClientFactory()
    moment = datetime(2026, 3, 1, 12, tzinfo=UTC)
    seen = []

    def receiver(sender, survivor, duplicate, user, now, **kwargs):
        seen.append((sender, survivor.pk, duplicate.merged_into_id, user, now))

    client_merged.connect(receiver, dispatch_uid="test_merge_receiver")
    try:
        client_merge(survivor=survivor, duplicate=duplicate, user=manager, now=moment)
    finally:
        client_merged.disconnect(dispatch_uid="test_merge_receiver")
    assert seen == [(Client, survivor.pk, survivor.pk, manager, moment)]


def test_r17_a_failing_receiver_rolls_the_whole_merge_back(manager, photos_on):
    """The signal is sent inside the merge transaction: a receiver's error undoes it all."""
    survivor, duplicate = ClientFactory(), ClientFactory()
    record = client_file_upload(client=duplicate, uploaded_file=upload())

    def receiver(**kwargs):
        raise DomainError("tickets could not move")

    client_merged.connect(receiver, dispatch_uid="test_failing_receiver")
    try:
        with pytest.raises(DomainError):
            client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    finally:
        client_merged.disconnect(dispatch_uid="test_failing_receiver")
    duplicate.refresh_from_db()
    record.refresh_from_db()
    assert duplicate.merged_into is None
    assert record.client == duplicate


def test_r17_r75_a_merge_bumps_updated_at_of_every_client_and_appointment_it_changes(
    manager, time_machine
):
    """An app syncing with ?updated_since= sees the merge: both clients, the clients whose
    referrer became the survivor, and the appointments that moved (R75)."""
    time_machine.move_to(datetime(2026, 5, 1, 12, tzinfo=UTC), tick=False)
    survivor, duplicate = ClientFactory(), ClientFactory()
    referred = ClientFactory(referred_by=duplicate)
    appointment = AppointmentFactory(client=duplicate)
    merged_at = datetime(2026, 6, 1, 12, tzinfo=UTC)
    time_machine.move_to(merged_at, tick=False)
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    for client in (survivor, duplicate, referred):
        client.refresh_from_db()
        assert client.updated_at == merged_at
    appointment.refresh_from_db()
    assert (appointment.client, appointment.updated_at) == (survivor, merged_at)
