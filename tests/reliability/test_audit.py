"""Audit history: who changed earning rules, loyalty settings, Client Connect features and
client records, and when (django-simple-history; SPEC §10 roles, §11 API).

API calls sign in with a real knox token, so the user is the one DRF authenticates.
"""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from clients.merge import client_merge
from clients.models import Client
from loyalty.models import EarningRule, LoyaltySettings
from loyalty.selectors import earning_rules_get, loyalty_settings_get
from salon.models import Features
from salon.selectors import features_get
from salon.services import features_update
from tests.clients.factories import ClientFactory

pytestmark = pytest.mark.django_db


def token_api(user) -> APIClient:
    _, token = AuthToken.objects.create(user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def latest(model, pk):
    return model.history.filter(id=pk).latest("history_date", "history_id")


def test_an_earning_rule_patched_through_the_api_names_the_manager(manager, client):
    earning_rules_get()
    rule = EarningRule.objects.get(action="service_purchase")
    answer = token_api(manager).patch(
        "/api/v1/loyalty/rules/service_purchase/", {"active": True, "points": 2}, format="json"
    )
    assert answer.status_code == 200
    record = latest(EarningRule, rule.pk)
    assert (record.history_type, record.history_user, record.points, record.active) == (
        "~",
        manager,
        2,
        True,
    )
    assert rule.history.count() == 1  # the 16 rules are made by a migration, without history
    client.force_login(manager)
    page = client.get(f"/admin/loyalty/earningrule/{rule.pk}/history/")
    assert page.status_code == 200
    assert manager.username in page.content.decode()


def test_loyalty_settings_patched_through_the_api_name_the_manager(manager):
    loyalty_settings_get()
    answer = token_api(manager).patch(
        "/api/v1/loyalty/settings/", {"min_redemption_dollars": 10}, format="json"
    )
    assert answer.status_code == 200
    record = latest(LoyaltySettings, 1)
    assert (record.history_user, record.min_redemption_dollars) == (manager, 10)


def test_features_patched_through_the_api_name_the_manager(manager):
    features_get()
    answer = token_api(manager).patch("/api/v1/features/", {"profile_photos": True}, format="json")
    assert answer.status_code == 200
    record = latest(Features, 1)
    assert (record.history_user, record.profile_photos) == (manager, True)


def test_a_client_patched_through_the_api_names_the_front_desk(front_desk):
    customer = ClientFactory(email="old@example.com")
    answer = token_api(front_desk).patch(
        f"/api/v1/clients/{customer.pk}/", {"email": "new@example.com"}, format="json"
    )
    assert answer.status_code == 200
    history = list(customer.history.order_by("history_date", "history_id"))
    assert [(row.history_type, row.email) for row in history] == [
        ("+", "old@example.com"),
        ("~", "new@example.com"),
    ]
    assert history[-1].history_user == front_desk


def test_a_refused_change_leaves_no_history(front_desk):  # §10: Front desk can't configure
    earning_rules_get()
    before = EarningRule.history.count()
    answer = token_api(front_desk).patch(
        "/api/v1/loyalty/rules/service_purchase/", {"points": 9}, format="json"
    )
    assert answer.status_code == 403
    assert EarningRule.history.count() == before


def test_a_client_changed_in_admin_names_the_user_and_shows_on_its_history_page(client, front_desk):
    customer = ClientFactory(first_name="Ann", last_name="Lee")
    client.force_login(front_desk)
    data = {
        "first_name": "Anne",
        "last_name": "Lee",
        "phone": "",
        "email": "",
        "birthday": "",
        "notes": "",
        "source": "front_desk",
        "referred_by": "",
        "files-TOTAL_FORMS": "0",
        "files-INITIAL_FORMS": "0",
        "files-2-TOTAL_FORMS": "0",
        "files-2-INITIAL_FORMS": "0",
    }
    answer = client.post(f"/admin/clients/client/{customer.pk}/change/", data)
    assert answer.status_code == 302
    record = latest(Client, customer.pk)
    assert (record.history_user, record.first_name) == (front_desk, "Anne")

    page = client.get(f"/admin/clients/client/{customer.pk}/history/")
    assert page.status_code == 200
    assert front_desk.username in page.content.decode()


def test_features_changed_in_admin_name_the_manager(client, manager):
    features_get()
    client.force_login(manager)
    flags = ["automated_email_marketing", "mass_email", "rewards_referrals", "profile_photos"]
    answer = client.post("/admin/salon/features/1/change/", {name: "on" for name in flags})
    assert answer.status_code == 302
    record = latest(Features, 1)
    assert (record.history_user, record.profile_photos) == (manager, True)
    page = client.get("/admin/salon/features/1/history/")
    assert manager.username in page.content.decode()


def test_an_old_version_is_shown_but_never_saved_back(client, manager):
    features_update(user=manager, changes={"mass_email": True})
    client.force_login(manager)
    record = latest(Features, 1)
    url = f"/admin/salon/features/1/history/{record.history_id}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"profile_photos": "on"}).status_code == 403
    assert Features.objects.get().profile_photos is False


def test_a_merge_leaves_history_rows_naming_the_manager(manager):  # R17
    referrer = ClientFactory()
    survivor, duplicate = ClientFactory(), ClientFactory()
    referred = ClientFactory(referred_by=duplicate)
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert latest(Client, duplicate.pk).merged_into_id == survivor.pk
    assert latest(Client, referred.pk).referred_by_id == survivor.pk
    for pk in (survivor.pk, duplicate.pk, referred.pk):
        record = latest(Client, pk)
        assert (record.history_user, record.history_type) == (manager, "~")
        assert record.history_change_reason == f"Client #{duplicate.pk} merged into #{survivor.pk}"
    assert referrer.history.count() == 1  # created, never changed
