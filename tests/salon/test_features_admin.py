"""Client Connect features in admin (R33): one row, saved through features_update."""

import pytest

from salon.models import Features
from salon.selectors import features_get

pytestmark = pytest.mark.django_db

CHANGE = "/admin/salon/features/1/change/"


@pytest.fixture
def boss(client, manager):
    client.force_login(manager)
    return client


def post_data(**flags) -> dict:
    # An unticked checkbox is simply absent from the form post.
    return {name: "on" for name, on in flags.items() if on}


def test_changelist_redirects_to_the_single_row(boss):
    response = boss.get("/admin/salon/features/")
    assert response.status_code == 302
    assert response["Location"] == CHANGE


def test_no_add_or_delete(boss):
    assert boss.get("/admin/salon/features/add/").status_code == 403
    assert boss.get("/admin/salon/features/1/delete/").status_code == 403


def test_r33_save_switches_exclusives_on_with_all_base(boss):
    data = post_data(
        automated_email_marketing=True,
        mass_email=True,
        rewards_referrals=True,
        text_confirmations=True,
        profile_photos=True,
    )
    assert boss.post(CHANGE, data).status_code == 302
    features = features_get()
    assert features.text_confirmations and features.profile_photos


def test_r33_unticking_a_base_switches_exclusives_off(boss):
    Features.objects.filter(pk=1).update(text_confirmations=True, profile_photos=True)
    data = post_data(
        automated_email_marketing=True,
        mass_email=False,
        rewards_referrals=True,
        text_confirmations=True,
        profile_photos=True,
    )
    assert boss.post(CHANGE, data).status_code == 302
    features = features_get()
    assert (features.mass_email, features.text_confirmations, features.profile_photos) == (
        False,
        False,
        False,
    )


def test_r33_exclusive_without_base_is_a_form_error(boss):
    Features.objects.filter(pk=1).update(rewards_referrals=False)
    data = post_data(automated_email_marketing=True, mass_email=True, profile_photos=True)
    response = boss.post(CHANGE, data)
    assert response.status_code == 200
    assert "profile_photos" in response.context["adminform"].form.errors
    assert features_get().profile_photos is False


def test_front_desk_neither_sees_nor_changes_features_in_admin(client, front_desk):
    """§10: Client Connect features are configuration, the Manager's (the API still reads)."""
    client.force_login(front_desk)
    assert client.get(CHANGE).status_code == 403
    assert client.post(CHANGE, post_data(mass_email=False)).status_code == 403
    assert features_get().mass_email is True
