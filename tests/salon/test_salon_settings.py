"""Salon settings (R50): name, address, phone, receipt footer and tax pricing."""

import pytest

from salon.errors import DomainError, PermissionRefused, SalonNameMissing
from salon.selectors import salon_settings_get
from salon.services import salon_settings_update

pytestmark = pytest.mark.django_db
URL = "/api/v1/salon/"
CHANGE = "/admin/salon/salonsettings/1/change/"


def test_r50_manager_changes_the_settings(manager):
    salon_settings_update(
        user=manager,
        changes={
            "name": " Velvet Salon ",
            "address": "12 Main St\nBrooklyn, NY",
            "prices_include_tax": True,
        },
    )
    salon = salon_settings_get()
    assert (salon.name, salon.address, salon.prices_include_tax) == (
        "Velvet Salon",
        "12 Main St\nBrooklyn, NY",
        True,
    )


def test_r50_front_desk_may_not_change_them(front_desk):
    with pytest.raises(PermissionRefused):
        salon_settings_update(user=front_desk, changes={"name": "Mine"})
    assert salon_settings_get().name == "Salon"


def test_r50_the_name_is_required(manager):
    with pytest.raises(SalonNameMissing) as refused:
        salon_settings_update(user=manager, changes={"name": "  "})
    assert refused.value.code == "salon_name_missing"
    assert salon_settings_get().name == "Salon"


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"opening_hours": "9-5"}, "field_not_editable", "opening_hours"),
        ({"prices_include_tax": "yes"}, "not_a_boolean", "prices_include_tax"),
        ({"receipt_footer": "x" * 501}, "text_too_long", "receipt_footer"),
        ({"phone": "5" * 41}, "text_too_long", "phone"),
    ],
)
def test_r50_a_refused_change_has_the_code_of_its_rule(manager, changes, code, field):
    """The same rules as every other update's (salon.errors), not a bare DomainError."""
    with pytest.raises(DomainError) as refused:
        salon_settings_update(user=manager, changes=changes)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert salon_settings_get().prices_include_tax is False


def test_r50_api_get_and_patch(manager_api, front_desk_api):
    assert front_desk_api.get(URL).json()["prices_include_tax"] is False
    response = manager_api.patch(
        URL,
        {"name": "Velvet", "phone": "(212) 555-0100", "receipt_footer": "Thank you!"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["phone"], body["receipt_footer"]) == (
        "Velvet",
        "(212) 555-0100",
        "Thank you!",
    )
    assert front_desk_api.patch(URL, {"name": "Mine"}, format="json").status_code == 403
    response = manager_api.patch(URL, {"name": ""}, format="json")
    assert response.status_code == 400
    assert salon_settings_get().name == "Velvet"


def test_r50_api_name_blank_is_refused_with_its_code(manager_api):
    response = manager_api.patch(URL, {"address": "x", "name": " "}, format="json")
    assert response.status_code == 400
    assert salon_settings_get().address == ""


def test_r50_admin_single_row(client, manager):
    client.force_login(manager)
    response = client.get("/admin/salon/salonsettings/")
    assert (response.status_code, response["Location"]) == (302, CHANGE)
    assert client.get("/admin/salon/salonsettings/add/").status_code == 403
    response = client.post(
        CHANGE,
        {
            "name": "Velvet",
            "address": "12 Main St",
            "phone": "",
            "receipt_footer": "",
            "prices_include_tax": "on",
        },
    )
    assert response.status_code == 302
    assert salon_settings_get().prices_include_tax is True
    response = client.post(CHANGE, {"name": " ", "address": "", "phone": "", "receipt_footer": ""})
    assert response.status_code == 200  # the form again, with its error
    assert salon_settings_get().name == "Velvet"
