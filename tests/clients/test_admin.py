"""Clients in admin: search (R26), referred-by (R25), uploads (R27), merge (R17)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from clients.models import Client, ClientFile
from clients.uploads import client_file_upload
from tests.clients.factories import PDF_BYTES, ClientFactory, image_bytes, upload

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/clients/client/"
ADD = "/admin/clients/client/add/"

EMPTY_INLINES = {
    "files-TOTAL_FORMS": "0",
    "files-INITIAL_FORMS": "0",
    "files-2-TOTAL_FORMS": "0",
    "files-2-INITIAL_FORMS": "0",
}


def change_url(client: Client) -> str:
    return reverse("admin:clients_client_change", args=[client.pk])


def form_data(**fields) -> dict:
    data = {
        "first_name": "Ann",
        "last_name": "Lee",
        "phone": "",
        "email": "",
        "birthday": "",
        "notes": "",
        "source": "front_desk",
        "referred_by": "",
        **EMPTY_INLINES,
    }
    data.update(fields)
    return data


@pytest.fixture
def desk(client, front_desk):
    client.force_login(front_desk)
    return client


@pytest.fixture
def boss(client, manager):
    client.force_login(manager)
    return client


def test_inline_prefixes_match_the_admin(desk):
    response = desk.get(ADD)
    assert response.status_code == 200
    prefixes = [formset.formset.prefix for formset in response.context["inline_admin_formsets"]]
    assert prefixes == ["files", "files-2"]


def test_add_goes_through_client_create(desk, front_desk):
    referrer = ClientFactory()
    response = desk.post(ADD, form_data(phone="(202) 555-0177", referred_by=referrer.pk))
    assert response.status_code == 302
    # By what this test set: the factory's referrer may be a "Lee" too.
    created = Client.objects.exclude(pk=referrer.pk).get()
    assert created.last_name == "Lee"
    assert created.phone.as_e164 == "+12025550177"
    assert created.referred_by == referrer
    assert created.created_by == front_desk
    assert len(created.referral_code) == 8


def test_r77_source_is_read_only_in_the_admin_form(desk):
    assert desk.post(ADD, form_data(source="app")).status_code == 302
    customer = Client.objects.get()
    assert customer.source == "front_desk"
    assert 'name="source"' not in desk.get(change_url(customer)).content.decode()


def test_r76_notes_over_2000_characters_are_a_form_error_and_nothing_saved(desk):
    response = desk.post(ADD, form_data(notes="n" * 2001))
    assert response.status_code == 200
    assert "notes" in response.context["adminform"].form.errors
    assert Client.objects.count() == 0


def test_bad_phone_is_a_form_error_and_nothing_saved(desk):
    ClientFactory(phone="+12025550101")
    response = desk.post(ADD, form_data(phone="202 555 0101"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone"] == [
        "Another client already has this phone number."
    ]
    assert Client.objects.count() == 1
    response = desk.post(ADD, form_data(first_name="  "))
    assert response.status_code == 200
    assert "first_name" in response.context["adminform"].form.errors
    assert Client.objects.count() == 1


def test_r25_referred_by_is_an_autocomplete_then_read_only(desk):
    customer = ClientFactory()
    response = desk.get(change_url(customer))
    assert "referred_by" in response.context["adminform"].form.fields
    widget = response.context["adminform"].form.fields["referred_by"].widget
    assert "autocomplete" in widget.widget.__class__.__name__.lower()
    referrer = ClientFactory()
    data = form_data(first_name=customer.first_name, last_name=customer.last_name)
    data.update(phone=str(customer.phone), email=customer.email, referred_by=referrer.pk)
    assert desk.post(change_url(customer), data).status_code == 302
    customer.refresh_from_db()
    assert customer.referred_by == referrer
    response = desk.get(change_url(customer))
    assert "referred_by" not in response.context["adminform"].form.fields
    data["referred_by"] = ClientFactory().pk  # a forged post can't change it either
    assert desk.post(change_url(customer), data).status_code == 302
    customer.refresh_from_db()
    assert customer.referred_by == referrer


def test_r25_cycle_is_a_form_error(desk):
    a = ClientFactory()
    b = ClientFactory(referred_by=a)
    data = form_data(first_name=a.first_name, last_name=a.last_name, referred_by=b.pk)
    data.update(phone=str(a.phone), email=a.email)
    response = desk.post(change_url(a), data)
    assert response.status_code == 200
    assert "referred_by" in response.context["adminform"].form.errors
    a.refresh_from_db()
    assert a.referred_by is None


def test_r25_autocomplete_searches_and_skips_tombstones(desk):
    ann = ClientFactory(first_name="Annabel", phone="+12025550101")
    ClientFactory(first_name="Annette", merged_into=ann)
    response = desk.get(
        "/admin/autocomplete/",
        {
            "term": "anne",
            "app_label": "clients",
            "model_name": "client",
            "field_name": "referred_by",
        },
    )
    assert response.status_code == 200
    assert response.json()["results"] == []
    response = desk.get(
        "/admin/autocomplete/",
        {
            "term": "(202) 555-01",
            "app_label": "clients",
            "model_name": "client",
            "field_name": "referred_by",
        },
    )
    assert [row["id"] for row in response.json()["results"]] == [str(ann.pk)]


@pytest.mark.parametrize(
    ("app_label", "model_name", "field_name"),
    [("tickets", "ticket", "client"), ("appointments", "appointment", "client")],
)
def test_r17_client_boxes_of_other_pages_skip_tombstones(desk, app_label, model_name, field_name):
    ann = ClientFactory(first_name="Annabel")
    ClientFactory(first_name="Annette", merged_into=ann)
    response = desk.get(
        "/admin/autocomplete/",
        {
            "term": "ann",
            "app_label": app_label,
            "model_name": model_name,
            "field_name": field_name,
        },
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(ann.pk)]


@pytest.mark.parametrize("term", ["lee", "202.555.0101", "+1 (202) 555"])
def test_r26_changelist_search(desk, term):
    ann = ClientFactory(first_name="Ann", last_name="Lee", phone="+12025550101")
    ClientFactory(first_name="Bob", last_name="Stone", phone="+13125550199")
    response = desk.get(CHANGELIST, {"q": term})
    assert list(response.context["cl"].result_list) == [ann]


def _changelist_queries(desk, django_assert_max_num_queries, count):
    for _ in range(count):
        ClientFactory(referred_by=ClientFactory(), merged_into=None)
    with django_assert_max_num_queries(20) as captured:
        response = desk.get(CHANGELIST)
    assert response.status_code == 200
    return len(captured)


def test_changelist_query_count_is_constant(desk, django_assert_max_num_queries):
    few = _changelist_queries(desk, django_assert_max_num_queries, 5)
    many = _changelist_queries(desk, django_assert_max_num_queries, 20)  # 50 clients in all
    assert few == many


def test_r17_tombstone_is_read_only(desk):
    tombstone = ClientFactory(merged_into=ClientFactory(), first_name="Old")
    response = desk.get(change_url(tombstone))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    data = form_data(first_name="New")
    assert desk.post(change_url(tombstone), data).status_code == 403
    tombstone.refresh_from_db()
    assert tombstone.first_name == "Old"


def test_r27_upload_inline_through_the_service(desk, photos_on, front_desk):
    customer = ClientFactory()
    data = form_data(first_name=customer.first_name, last_name=customer.last_name)
    data.update(phone=str(customer.phone), email=customer.email)
    data.update(
        {
            "files-2-TOTAL_FORMS": "1",
            "files-2-0-file": upload("me.png"),
            "files-2-0-is_profile_photo": "on",
        }
    )
    response = desk.post(change_url(customer), data)
    assert response.status_code == 302
    record = customer.files.get()
    assert (record.is_profile_photo, record.original_name, record.uploaded_by) == (
        True,
        "me.png",
        front_desk,
    )
    assert record.file.name.endswith(".png") and "me.png" not in record.file.name
    page = desk.get(change_url(customer)).content.decode()
    assert f"/api/v1/clients/{customer.pk}/files/{record.pk}/download/" in page


@pytest.mark.parametrize(
    ("name", "content", "profile", "field"),
    [
        ("evil.png", b"<html>", False, "file"),
        ("cv.pdf", PDF_BYTES, True, "is_profile_photo"),
    ],
)
def test_r27_bad_upload_is_a_form_error_and_nothing_saved(
    desk, photos_on, name, content, profile, field
):
    customer = ClientFactory(first_name="Ann")
    data = form_data(first_name="Zoe", last_name=customer.last_name)
    data.update(phone=str(customer.phone), email=customer.email)
    data.update({"files-2-TOTAL_FORMS": "1", "files-2-0-file": upload(name, content)})
    if profile:
        data["files-2-0-is_profile_photo"] = "on"
    response = desk.post(change_url(customer), data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][1].formset.errors
    assert field in errors[0]
    assert ClientFile.objects.count() == 0
    customer.refresh_from_db()
    assert customer.first_name == "Ann"


def test_r34_upload_inline_refused_when_feature_off(desk):
    customer = ClientFactory()
    data = form_data(first_name=customer.first_name, last_name=customer.last_name)
    data.update(phone=str(customer.phone), email=customer.email)
    data.update({"files-2-TOTAL_FORMS": "1", "files-2-0-file": upload()})
    response = desk.post(change_url(customer), data)
    assert response.status_code == 200
    assert "Profile photos" in str(response.context["inline_admin_formsets"][1].formset.errors)
    assert ClientFile.objects.count() == 0


def test_r27_inline_counts_the_limit_across_new_uploads(desk, photos_on, settings):
    settings.CLIENT_UPLOAD_MAX_FILES = 2
    customer = ClientFactory()
    client_file_upload(client=customer, uploaded_file=upload())
    data = form_data(first_name=customer.first_name, last_name=customer.last_name)
    data.update(phone=str(customer.phone), email=customer.email)
    data.update(
        {
            "files-2-TOTAL_FORMS": "2",
            "files-2-0-file": upload("a.png"),
            "files-2-1-file": upload("b.jpg", image_bytes("JPEG")),
        }
    )
    response = desk.post(change_url(customer), data)
    assert response.status_code == 200
    assert customer.files.count() == 1


def test_r27_inline_delete(desk, photos_on, django_capture_on_commit_callbacks):
    customer = ClientFactory()
    record = client_file_upload(client=customer, uploaded_file=upload())
    data = form_data(first_name=customer.first_name, last_name=customer.last_name)
    data.update(phone=str(customer.phone), email=customer.email)
    data.update(
        {
            "files-TOTAL_FORMS": "1",
            "files-INITIAL_FORMS": "1",
            "files-0-id": record.pk,
            "files-0-client": customer.pk,
            "files-0-DELETE": "on",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(change_url(customer), data)
    assert response.status_code == 302
    assert not ClientFile.objects.filter(pk=record.pk).exists()


def _merge_post(api, survivor, duplicate, confirm=True):
    data = {"action": "merge_clients", ACTION_CHECKBOX_NAME: [survivor.pk, duplicate.pk]}
    if confirm:
        data.update(post="yes", survivor=survivor.pk)
    return api.post(CHANGELIST, data)


def test_r17_merge_action_confirms_then_merges(boss):
    older, newer = ClientFactory(first_name="Keep"), ClientFactory(first_name="Drop")
    response = _merge_post(boss, older, newer, confirm=False)
    assert response.status_code == 200
    assert response.templates[0].name == "admin/clients/client/merge_confirmation.html"
    assert "Keep" in response.content.decode() and "Drop" in response.content.decode()
    newer.refresh_from_db()
    assert newer.merged_into is None
    response = boss.post(
        CHANGELIST,
        {
            "action": "merge_clients",
            ACTION_CHECKBOX_NAME: [older.pk, newer.pk],
            "post": "yes",
            "survivor": newer.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == change_url(newer)
    older.refresh_from_db()
    assert older.merged_into == newer


def test_r17_merge_action_needs_two_clients(boss):
    one = ClientFactory()
    response = boss.post(
        CHANGELIST, {"action": "merge_clients", ACTION_CHECKBOX_NAME: [one.pk]}, follow=True
    )
    assert "exactly two" in response.content.decode()


def test_r17_merge_refusal_is_a_message(boss):
    survivor = ClientFactory()
    tombstone = ClientFactory(merged_into=ClientFactory())
    response = boss.post(
        CHANGELIST,
        {
            "action": "merge_clients",
            ACTION_CHECKBOX_NAME: [survivor.pk, tombstone.pk],
            "post": "yes",
            "survivor": survivor.pk,
        },
        follow=True,
    )
    assert "already merged" in response.content.decode()
    tombstone.refresh_from_db()
    assert tombstone.merged_into != survivor


def test_r17_front_desk_has_no_merge_action(desk):
    response = desk.get(CHANGELIST)
    action_form = response.context["action_form"]
    actions = [name for name, _ in action_form.fields["action"].choices] if action_form else []
    assert "merge_clients" not in actions
    survivor, duplicate = ClientFactory(), ClientFactory()
    _merge_post(desk, survivor, duplicate)
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_r27_change_page_shows_the_profile_photo_through_the_protected_view(desk, photos_on):
    customer = ClientFactory()
    photo = client_file_upload(client=customer, uploaded_file=upload(), is_profile_photo=True)
    page = desk.get(change_url(customer)).content.decode()
    assert f'<img src="/api/v1/clients/{customer.pk}/files/{photo.pk}/download/"' in page
    assert "/media/" not in page
