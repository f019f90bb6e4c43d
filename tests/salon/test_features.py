"""Client Connect features (R33) through the service and the API."""

import pytest

from salon.errors import DomainError, PermissionRefused
from salon.models import Features
from salon.selectors import features_get
from salon.services import features_update

pytestmark = pytest.mark.django_db

ALL_ON = {
    "automated_email_marketing": True,
    "mass_email": True,
    "rewards_referrals": True,
    "text_confirmations": True,
    "profile_photos": True,
}


def flags() -> dict:
    features = features_get()
    return {name: getattr(features, name) for name in ALL_ON}


def test_r33_exclusive_can_be_switched_on_with_all_base_features(manager):
    features_update(user=manager, changes={"profile_photos": True})
    assert flags()["profile_photos"] is True


@pytest.mark.parametrize("exclusive", ["text_confirmations", "profile_photos"])
def test_r33_exclusive_refused_without_all_base_features(manager, exclusive):
    Features.objects.filter(pk=1).update(mass_email=False)
    before = flags()
    with pytest.raises(DomainError) as error:
        features_update(user=manager, changes={exclusive: True})
    assert (error.value.field, error.value.code) == (exclusive, "premium_needs_base_features")
    assert flags() == before


def test_r33_one_change_may_switch_everything_on_together(manager):
    Features.objects.filter(pk=1).update(
        automated_email_marketing=False, mass_email=False, rewards_referrals=False
    )
    features_update(user=manager, changes=ALL_ON)
    assert flags() == ALL_ON


def test_r33_exclusive_refused_when_the_same_change_turns_a_base_off(manager):
    features_update(user=manager, changes=ALL_ON)
    with pytest.raises(DomainError):
        features_update(user=manager, changes={"mass_email": False, "profile_photos": True})
    assert flags() == ALL_ON


@pytest.mark.parametrize("base", ["automated_email_marketing", "mass_email", "rewards_referrals"])
def test_r33_switching_a_base_off_switches_both_exclusives_off(manager, base):
    features_update(user=manager, changes=ALL_ON)
    features_update(user=manager, changes={base: False})
    assert flags() == {**ALL_ON, base: False, "text_confirmations": False, "profile_photos": False}


def test_r33_switching_an_exclusive_off_is_always_allowed(manager):
    features_update(user=manager, changes=ALL_ON)
    features_update(user=manager, changes={"text_confirmations": False})
    assert flags() == {**ALL_ON, "text_confirmations": False}


def test_r33_only_a_manager_may_change_features(front_desk):
    for user in (front_desk, None):
        with pytest.raises(PermissionRefused):
            features_update(user=user, changes={"mass_email": False})
    assert flags()["mass_email"] is True


def test_r33_unknown_or_non_boolean_values_are_refused(manager):
    with pytest.raises(DomainError) as error:
        features_update(user=manager, changes={"teleportation": True})
    assert (error.value.field, error.value.code) == ("teleportation", "unknown_feature")
    with pytest.raises(DomainError) as error:
        features_update(user=manager, changes={"mass_email": "no"})
    assert (error.value.field, error.value.code) == ("mass_email", "not_a_boolean")


def test_api_get_for_staff(front_desk_api):
    response = front_desk_api.get("/api/v1/features/")
    assert response.status_code == 200
    assert {name: response.data[name] for name in ALL_ON} == flags()


def test_api_patch_manager(manager_api):
    response = manager_api.patch("/api/v1/features/", ALL_ON, format="json")
    assert response.status_code == 200
    assert flags() == ALL_ON
    response = manager_api.patch("/api/v1/features/", {"rewards_referrals": False}, format="json")
    assert response.status_code == 200
    assert (response.data["text_confirmations"], response.data["profile_photos"]) == (False, False)


def test_api_patch_refused_exclusive_is_400_naming_it(manager_api):
    Features.objects.filter(pk=1).update(rewards_referrals=False)
    response = manager_api.patch("/api/v1/features/", {"profile_photos": True}, format="json")
    assert response.status_code == 400
    assert "profile_photos" in response.data
    assert flags()["profile_photos"] is False


def test_api_patch_bad_value_is_400(manager_api):
    response = manager_api.patch("/api/v1/features/", {"mass_email": "maybe"}, format="json")
    assert response.status_code == 400
    assert "mass_email" in response.data


def test_api_roles(front_desk_api, client_api, anonymous_api):
    body = {"mass_email": False}
    assert front_desk_api.patch("/api/v1/features/", body, format="json").status_code == 403
    assert client_api.get("/api/v1/features/").status_code == 403
    assert client_api.patch("/api/v1/features/", body, format="json").status_code == 403
    assert anonymous_api.get("/api/v1/features/").status_code == 401
    assert flags()["mass_email"] is True
