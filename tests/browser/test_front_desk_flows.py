"""The day's work in the browser (issue "Front desk in the browser"): one test per flow,
asserting what the page shows. Rules are tested at their own level; these prove the
pages wire them together."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import AppointmentStatus
from clients.models import Client
from loyalty.adjustments import points_adjust
from loyalty.models import EarningRule, PointsEntry
from loyalty.rewards_box import client_points_balance
from loyalty.selectors import loyalty_settings_get
from salon.selectors import features_get
from tests.appointments.factories import AppointmentFactory
from tests.clients.factories import ClientFactory, image_bytes
from tests.tickets.factories import closed_ticket, service_item, ticket_with_lines
from tickets.models import Ticket, TicketStatus

from .conftest import autocomplete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_a_client_by_phone_from_the_dashboard(desk_page):
    ClientFactory(first_name="Nora", last_name="Quist", phone="+12025550177")
    ClientFactory(first_name="Otto", last_name="Ruiz", phone="+12025550188")
    desk_page.fill("#find-client", "(202) 555-0177")
    desk_page.click("#find-client-submit")
    expect(desk_page.locator("#result_list tbody tr")).to_have_count(1)
    desk_page.click("#result_list a:has-text('Quist')")
    assert desk_page.input_value("#id_first_name") == "Nora"


def test_client_log_shows_balances_and_timeline(desk_page, manager):
    customer = ClientFactory(first_name="Ada", last_name="Byron")
    points_adjust(client=customer, points=1250, reason="Welcome back", user=manager)
    ticket = closed_ticket("80.00", client=customer)
    desk_page.goto(f"/admin/clients/client/{customer.pk}/change/")
    desk_page.click("#client-log-link")
    expect(desk_page.locator("#client-log-name")).to_have_text("Ada Byron")
    expect(desk_page.locator("#client-log-rewards .redeemable-points")).to_have_text("1250")
    expect(desk_page.locator("#client-log-rewards .redeemable-value")).to_have_text("$12.50")
    timeline = desk_page.inner_text("#client-log-timeline")
    assert f"Ticket #{ticket.pk}: closed, total $80.00" in timeline
    assert "+1250 points: manual adjustment (Welcome back)" in timeline


def test_create_a_client_referred_by_another(desk_page):
    ClientFactory(first_name="Rita", last_name="Referrer")
    desk_page.goto("/admin/clients/client/add/")
    desk_page.fill("#id_first_name", "Nina")
    desk_page.fill("#id_last_name", "New")
    desk_page.fill("#id_phone", "(202) 555-0142")
    autocomplete(desk_page, "id_referred_by", "Rita Referrer")
    desk_page.click("input[name=_continue]")
    expect(desk_page.locator(".messagelist")).to_contain_text("was added successfully")
    created = Client.objects.get(first_name="Nina")
    assert created.referred_by.first_name == "Rita"
    assert str(created.phone) == "+12025550142"
    # R25: once saved, shown read-only.
    expect(desk_page.locator("#id_referred_by")).to_have_count(0)


def test_upload_a_profile_photo(desk_page, all_features, tmp_path):
    customer = ClientFactory()
    photo = tmp_path / "face.png"
    photo.write_bytes(image_bytes(size=(40, 40)))
    desk_page.goto(f"/admin/clients/client/{customer.pk}/change/")
    desk_page.set_input_files("#files-2-group input[type=file]", str(photo))
    desk_page.check("#files-2-group input[type=checkbox][name$=is_profile_photo]")
    desk_page.click("input[name=_continue]")
    expect(desk_page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert customer.files.get().is_profile_photo
    desk_page.click("#client-log-link")
    expect(desk_page.locator("img.profile-photo")).to_have_count(1)


def test_ticket_discounted_line_redeem_refused_then_paid_and_closed(desk_page, manager):
    customer = ClientFactory(first_name="Cleo", last_name="Card")
    points_adjust(client=customer, points=2000, reason="Loyal", user=manager)
    service_item("100.00", name="Deluxe cut")
    desk_page.goto(f"/admin/frontdesk/clients/{customer.pk}/log/")
    desk_page.click("input[value='Open ticket for Cleo']")
    expect(desk_page.locator(".messagelist")).to_contain_text("is open for Cleo Card")
    desk_page.select_option("#checkout-item", label="Deluxe cut ($100.00)")
    desk_page.fill("#checkout-discount", "10")
    desk_page.select_option("#checkout-discount-kind", "percent")
    expect(desk_page.locator("#line-preview-net")).to_have_text("$90.00")
    desk_page.click("#add-line-button")
    expect(desk_page.locator("#payment-total")).to_have_text("$90.00")
    expect(desk_page.locator("#usable-points")).to_have_text("2000")

    desk_page.fill("#redeem-points", "2500")
    desk_page.evaluate("document.querySelector('#redeem-points').removeAttribute('max')")
    desk_page.click("#redeem-button")
    expect(desk_page.locator("#checkout-error")).to_contain_text("only 2000 redeemable points")

    desk_page.fill("#redeem-points", "2000")
    desk_page.click("#redeem-button")
    expect(desk_page.locator("#payment-balance-due")).to_have_text("$70.00")

    desk_page.select_option("#payment-method", "card")
    expect(desk_page.locator("#payment-amount")).to_have_value("70.00")
    desk_page.click("#take-payment-button")
    expect(desk_page.locator("#payment-balance-due")).to_have_text("$0.00")
    desk_page.click("#close-ticket-button")
    expect(desk_page.locator(".messagelist")).to_contain_text("is closed")
    ticket = Ticket.objects.get(client=customer)
    assert ticket.status == TicketStatus.CLOSED
    assert client_points_balance(client=customer).redeemable == 0


def test_void_an_open_ticket(desk_page):
    ticket = ticket_with_lines("30.00", client=ClientFactory())
    desk_page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    desk_page.click("input[name=_void_ticket]")
    expect(desk_page.locator(".messagelist")).to_contain_text("is voided")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.VOIDED


def test_day_sheet_check_in_confirm_cancel_and_checkout(desk_page):
    # Rows written directly (not booked through the service), so they are today's whatever
    # the hour the test runs at; the moves themselves don't depend on the time.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    first, second, third = (
        AppointmentFactory(start=midnight + timedelta(minutes=minutes)) for minutes in (1, 2, 3)
    )
    AppointmentFactory(start=midnight + timedelta(days=1, minutes=1))  # tomorrow's
    desk_page.goto("/admin/")
    expect(desk_page.locator("#day-sheet .appointment-status")).to_have_count(3)
    desk_page.click(f"#appointment-{first.pk} summary")
    desk_page.click(f"#appointment-{first.pk} .action-check-in")
    expect(desk_page.locator(".messagelist")).to_contain_text("checked in")
    desk_page.click(f"#appointment-{second.pk} summary")
    desk_page.click(f"#appointment-{second.pk} .action-confirm")
    desk_page.click(f"#appointment-{third.pk} summary")
    desk_page.click(f"#appointment-{third.pk} .action-cancel")
    expect(desk_page.locator("#move-question")).to_contain_text("Cancel")
    desk_page.click("#confirm-move")
    expect(desk_page.locator(".messagelist")).to_contain_text("cancelled")
    for row, status in ((first, "Arrived"), (second, "Confirmed")):
        expect(desk_page.locator(f"#appointment-{row.pk} .appointment-status")).to_have_text(status)
    expect(desk_page.locator(f"#appointment-{third.pk}")).to_have_count(0)
    expect(desk_page.locator("#day-sheet-count")).to_contain_text("2 appointments · 1 cancelled")
    third.refresh_from_db()
    assert third.status == AppointmentStatus.CANCELLED
    desk_page.click(f"#appointment-{first.pk} summary")
    desk_page.click(f"#appointment-{first.pk} .action-checkout")
    ticket = Ticket.objects.get()
    assert ticket.appointment_id == first.pk
    expect(desk_page.locator(".messagelist")).to_contain_text(f"Ticket #{ticket.pk} is open")
    expect(desk_page.locator("#checkout-title")).to_contain_text(f"Ticket #{ticket.pk}")


def test_open_a_walk_in_ticket(desk_page):
    desk_page.click("#open-walk-in")
    expect(desk_page.locator(".messagelist")).to_contain_text("(walk-in)")
    assert Ticket.objects.get().client is None


def test_front_desk_cannot_see_configuration(desk_page, live_server):
    expect(desk_page.locator("text=Rewards configuration")).to_have_count(0)
    expect(desk_page.locator("a[href='/admin/loyalty/earningrule/']")).to_have_count(0)
    response = desk_page.goto("/admin/loyalty/earningrule/")
    assert response.status == 403
    response = desk_page.goto("/admin/loyalty/pointsentry/adjust/")
    assert response.status == 403


def test_manager_edits_rules_minimum_and_features(manager_page):
    manager_page.click("text=Rewards configuration")
    row = manager_page.locator("#result_list tbody tr", has_text="Service purchase")
    row.locator("input[name$=-active]").check()
    row.locator("input[name$=-points]").fill("3")
    row.locator("input[name$=-referrer_points]").fill("1")
    manager_page.click("input[name=_save]")
    expect(manager_page.locator(".messagelist")).to_contain_text("was changed successfully")
    rule = EarningRule.objects.get(action="service_purchase")
    assert (rule.active, rule.points, rule.referrer_points) == (True, 3, 1)
    expect(row.locator("td.field-spend_unit")).to_have_count(1)
    first_visit = manager_page.locator("#result_list tbody tr", has_text="First visit")
    assert "NA" in first_visit.locator("td.field-spend_unit").inner_text()

    manager_page.goto("/admin/")
    manager_page.click("text=Minimum redemption and hold")
    manager_page.fill("#id_min_redemption_dollars", "10")
    manager_page.click("input[name=_save]")
    expect(manager_page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert loyalty_settings_get().min_redemption_dollars == 10

    manager_page.goto("/admin/")
    manager_page.click("text=Client Connect features")
    manager_page.check("#id_profile_photos")
    manager_page.click("input[name=_save]")
    expect(manager_page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert features_get().profile_photos is True


def test_manager_merges_two_clients_seeing_both_balances(manager_page, manager):
    keep = ClientFactory(first_name="Kim", last_name="Keep")
    duplicate = ClientFactory(first_name="Kim", last_name="Twice")
    points_adjust(client=keep, points=1000, reason="Gift", user=manager)
    points_adjust(client=duplicate, points=250, reason="Gift", user=manager)
    manager_page.goto("/admin/clients/client/?q=kim")
    manager_page.check(f"input[name=_selected_action][value='{keep.pk}']")
    manager_page.check(f"input[name=_selected_action][value='{duplicate.pk}']")
    manager_page.select_option("select[name=action]", "merge_clients")
    manager_page.click("button[name=index]")
    balances = {keep.pk: "1000 redeemable ($10.00)", duplicate.pk: "250 redeemable ($2.50)"}
    for client_id, balance in balances.items():
        expect(manager_page.locator(f"#balance_{client_id}")).to_contain_text(balance)
    manager_page.check(f"#survivor_{keep.pk}")
    manager_page.click("input[value=Merge]")
    expect(manager_page.locator(".messagelist")).to_contain_text("was merged into")
    expect(manager_page.locator("#rewards-box .redeemable-points")).to_have_text("1250")


def test_manager_adjusts_points_by_hand(manager_page):
    customer = ClientFactory(first_name="Hal", last_name="Hand")
    manager_page.goto(f"/admin/clients/client/{customer.pk}/change/")
    manager_page.click("#rewards-box >> text=Adjust points")
    manager_page.fill("#id_points", "-150")
    manager_page.fill("#id_reason", "Duplicate award")
    manager_page.click("input[value='Adjust points']")
    expect(manager_page.locator(".messagelist")).to_contain_text("-150 points for Hal Hand")
    expect(manager_page.locator("#rewards-box .redeemable-points")).to_have_text("-150")
    assert PointsEntry.objects.get(client=customer).memo == "Duplicate award"


def test_manager_adjusts_a_closed_ticket(manager_page):
    ticket = closed_ticket("100.00", client=ClientFactory())
    manager_page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    manager_page.fill("#id_lines-0-unit_price", "80.00")
    manager_page.fill("#id_reason", "Price match")
    manager_page.click("input[name=_continue]")
    expect(manager_page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(manager_page.locator("#payment-balance-due")).to_have_text("$-20.00")
    expect(manager_page.locator("#adjustments-group")).to_contain_text("Price match")
    assert ticket.lines.get().net_amount == Decimal("80.00")
