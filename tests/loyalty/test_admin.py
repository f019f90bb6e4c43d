"""Admin: the one-table rules configuration, settings, read-only ledger, manual adjustment
and the rewards box (SPEC §3, R14, R19, R28, R34, §10)."""

from decimal import Decimal

import pytest
from django.test import Client as BrowserClient

from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.models import EarningRule, EntryKind, LoyaltySettings, PointsEntry
from loyalty.selectors import earning_rules_get
from salon.models import Features
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tickets.lifecycle import ticket_open
from tickets.lines import ticket_add_line

pytestmark = pytest.mark.django_db

RULES_URL = "/admin/loyalty/earningrule/"


@pytest.fixture
def manager_browser(manager):
    browser = BrowserClient()
    browser.force_login(manager)
    return browser


@pytest.fixture
def front_desk_browser(front_desk):
    browser = BrowserClient()
    browser.force_login(front_desk)
    return browser


def rules_formset_data(changes: dict[str, dict]) -> dict:
    """POST data of the changelist's formset, with `changes` applied per action."""
    rules = earning_rules_get()
    data = {
        "form-TOTAL_FORMS": str(len(rules)),
        "form-INITIAL_FORMS": str(len(rules)),
        "_save": "Save",
    }
    for index, rule in enumerate(rules):
        values = {
            "id": rule.pk,
            "active": rule.active,
            "points": rule.points,
            "spend_unit": rule.spend_unit,
            "referrer_points": rule.referrer_points,
            **changes.get(rule.action, {}),
        }
        for name, value in values.items():
            if value is None or value is False:
                continue
            data[f"form-{index}-{name}"] = "on" if value is True else str(value)
    return data


def test_rules_are_one_table_with_na_cells(manager_browser):
    response = manager_browser.get(RULES_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="loyalty-na"') == 10 + 8  # NA spend cells + NA referrer cells
    assert "First visit and payment" in html
    assert 'name="form-0-points"' in html


def test_manager_saves_the_table_through_the_service(manager_browser):
    response = manager_browser.post(
        RULES_URL,
        rules_formset_data(
            {
                "service_purchase": {"active": True, "points": 2, "spend_unit": "1.00"},
                "first_visit": {"active": True, "points": 100},
            }
        ),
    )
    assert response.status_code == 302
    service = EarningRule.objects.get(action=Action.SERVICE_PURCHASE)
    assert (service.active, service.points, service.spend_unit) == (True, 2, Decimal("1.00"))
    assert EarningRule.objects.get(action=Action.FIRST_VISIT).points == 100


def test_na_cells_cannot_be_set_from_admin(manager_browser):
    data = rules_formset_data({"service_purchase": {"points": 3}})
    data["form-6-spend_unit"] = "5.00"  # first_visit: NA, ignored as a disabled cell
    manager_browser.post(RULES_URL, data)
    assert EarningRule.objects.get(action=Action.FIRST_VISIT).spend_unit is None
    assert EarningRule.objects.get(action=Action.SERVICE_PURCHASE).points == 3


def test_spend_unit_zero_is_refused_in_admin_and_nothing_changes(manager_browser):
    before = list(EarningRule.objects.values())
    response = manager_browser.post(
        RULES_URL, rules_formset_data({"service_purchase": {"points": 4, "spend_unit": "0"}})
    )
    assert response.status_code == 200
    assert "more than 0" in response.content.decode()
    assert list(EarningRule.objects.values()) == before


def test_front_desk_neither_sees_nor_edits_rules_in_admin(front_desk_browser):
    """§10: the rewards configuration is the Manager's; admin doesn't open it to the desk."""
    assert front_desk_browser.get(RULES_URL).status_code == 403
    response = front_desk_browser.post(RULES_URL, rules_formset_data({}))
    assert response.status_code == 403


def test_r34_banner_when_rewards_feature_is_off(manager_browser):
    Features.objects.filter(pk=1).update(rewards_referrals=False)
    response = manager_browser.get(RULES_URL)
    assert "switched off" in response.content.decode()


def test_rules_changelist_query_count_is_bounded(manager_browser, django_assert_max_num_queries):
    earning_rules_get()
    with django_assert_max_num_queries(20):
        manager_browser.get(RULES_URL)


def test_settings_page_edits_the_single_row(manager_browser):
    response = manager_browser.get("/admin/loyalty/loyaltysettings/")
    assert response.status_code == 302
    response = manager_browser.post(
        "/admin/loyalty/loyaltysettings/1/change/",
        {**SETTINGS_FORM, "min_redemption_dollars": "10"},
    )
    assert response.status_code == 302
    assert LoyaltySettings.objects.get().min_redemption_dollars == 10


SETTINGS_FORM = {
    "min_redemption_dollars": "5",
    "hold_hours": "24",
    "earn_on": "pre_tax",
    "tier_window_days": "365",
    "tier_validity_days": "365",
    "birthday_points": "0",
    "expiry_days": "",
    "expiry_reminder_days": "",
    "max_redemption_percent": "",
    "max_redemption_points": "",
    "redemption_increment": "1",
    "redeemable_kinds": [
        "service",
        "product",
        "day_package",
        "series_package",
        "membership",
        "gift_card",
    ],
}


def test_r51_r55_r57_settings_page_takes_plain_values(manager_browser):
    """Reminder days as "30, 7", kinds as checkboxes; stored as lists (no JSON on screen)."""
    response = manager_browser.post(
        "/admin/loyalty/loyaltysettings/1/change/",
        {
            **SETTINGS_FORM,
            "expiry_days": "365",
            "expiry_reminder_days": "7, 30",
            "monthly_statements": "on",
            "max_redemption_percent": "50",
            "redemption_increment": "100",
            "redeemable_kinds": ["service", "product"],
        },
    )
    assert response.status_code == 302
    row = LoyaltySettings.objects.get()
    assert (row.expiry_days, row.expiry_reminder_days, row.monthly_statements) == (
        365,
        [30, 7],
        True,
    )
    assert (row.max_redemption_percent, row.redemption_increment) == (50, 100)
    assert row.redeemable_kinds == ["service", "product"]
    page = manager_browser.get("/admin/loyalty/loyaltysettings/1/change/").content.decode()
    assert 'value="30, 7"' in page


def test_r51_settings_page_refuses_expiry_inside_the_hold(manager_browser):
    """1 day x 24 = 24 hours is not more than a 24-hour hold: refused, nothing saved."""
    response = manager_browser.post(
        "/admin/loyalty/loyaltysettings/1/change/", {**SETTINGS_FORM, "expiry_days": "1"}
    )
    assert response.status_code == 200
    assert "must live longer than the hold" in response.content.decode()
    assert LoyaltySettings.objects.get().expiry_days is None


def test_ledger_is_read_only_in_admin(manager_browser, customer, manager):
    points_adjust(client=customer, points=10, reason="x", user=manager)
    entry = PointsEntry.objects.get()
    assert manager_browser.get("/admin/loyalty/pointsentry/").status_code == 200
    assert manager_browser.get("/admin/loyalty/pointsentry/add/").status_code == 403
    page = manager_browser.get(f"/admin/loyalty/pointsentry/{entry.pk}/change/")
    assert page.status_code == 200
    assert 'name="points"' not in page.content.decode()
    assert manager_browser.post(f"/admin/loyalty/pointsentry/{entry.pk}/delete/").status_code == 403


def test_ledger_changelist_query_count_is_constant(
    manager_browser, manager, django_assert_max_num_queries
):

    for size in (2, 20):
        while PointsEntry.objects.count() < size:
            points_adjust(client=ClientFactory(), points=5, reason="x", user=manager)
        with django_assert_max_num_queries(12):
            assert manager_browser.get("/admin/loyalty/pointsentry/").status_code == 200


def test_manager_adjusts_points_in_admin(manager_browser, customer):
    response = manager_browser.post(
        "/admin/loyalty/pointsentry/adjust/",
        {"client": customer.pk, "points": "-40", "reason": "Fraud"},
    )
    assert response.status_code == 302
    entry = PointsEntry.objects.get()
    assert (entry.points, entry.kind, entry.memo) == (-40, EntryKind.MANUAL, "Fraud")


def test_admin_adjustment_bad_input_shows_the_error(manager_browser, customer):
    response = manager_browser.post(
        "/admin/loyalty/pointsentry/adjust/", {"client": customer.pk, "points": "0", "reason": "x"}
    )
    assert response.status_code == 200
    assert "other than 0" in response.content.decode()
    assert not PointsEntry.objects.exists()


def test_front_desk_cannot_adjust_points_in_admin(front_desk_browser, customer):
    response = front_desk_browser.post(
        "/admin/loyalty/pointsentry/adjust/",
        {"client": customer.pk, "points": "40", "reason": "x"},
    )
    assert response.status_code == 403
    assert not PointsEntry.objects.exists()


def test_r28_rewards_box_in_admin(front_desk_browser, customer, manager):
    points_adjust(client=customer, points=1234, reason="x", user=manager)
    response = front_desk_browser.get(f"/admin/loyalty/pointsentry/rewards/{customer.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="redeemable-points">1234</span>' in html
    assert '<span class="redeemable-value">$12.34</span>' in html
    assert '<span class="pending-points">0</span>' in html
    assert "Adjust points" not in html


def test_r28_rewards_box_on_the_clients_admin_page(front_desk_browser, customer, manager):
    points_adjust(client=customer, points=750, reason="x", user=manager)
    response = front_desk_browser.get(f"/admin/clients/client/{customer.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="rewards-box"' in html
    assert '<span class="redeemable-points">750</span>' in html
    assert '<span class="redeemable-value">$7.50</span>' in html
    assert "Adjust points" not in html  # Front desk can't adjust (§10)


def test_front_desk_redeems_in_admin_from_the_clients_rewards_box(
    front_desk_browser, customer, manager
):
    """R19-R22 in admin: the rewards box links each open ticket to the redeem page."""
    points_adjust(client=customer, points=900, reason="x", user=manager)
    ticket = ticket_open(client=customer)
    ticket_add_line(ticket=ticket, item=ItemFactory(price=Decimal("100.00")))
    page = front_desk_browser.get(f"/admin/clients/client/{customer.pk}/change/")
    redeem_url = f"/admin/loyalty/pointsentry/redeem/{ticket.pk}/"
    assert redeem_url in page.content.decode()
    refused = front_desk_browser.post(redeem_url, {"points": "901"})
    assert refused.status_code == 200
    assert "only 900" in refused.content.decode()
    response = front_desk_browser.post(redeem_url, {"points": "600"})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/tickets/ticket/{ticket.pk}/change/"
    payment = ticket.payments.get()
    assert (payment.method, payment.points, payment.amount) == ("points", 600, Decimal("6.00"))
    assert PointsEntry.objects.filter(kind=EntryKind.REDEEM, points=-600).exists()


def test_no_redeem_link_while_the_client_cannot_redeem(front_desk_browser, customer):
    ticket = ticket_open(client=customer)
    ticket_add_line(ticket=ticket, item=ItemFactory(price=Decimal("100.00")))
    page = front_desk_browser.get(f"/admin/clients/client/{customer.pk}/change/")
    assert "Redeem points on" not in page.content.decode()
