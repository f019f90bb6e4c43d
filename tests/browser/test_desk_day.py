"""The desk's day in the browser (issue #14): a Saturday with three stylists, the
single-service checkout counted in clicks, redemption refused for each reason then
accepted, every screen reachable by keyboard, 1366 by 768 without sideways scrolling, and no
serious or critical axe-core violation on the day sheet, checkout, client page and Client
Log."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import AppointmentStatus
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.rewards_box import client_points_balance
from loyalty.selectors import loyalty_settings_get
from tests.appointments.factories import AppointmentFactory
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import rule_set
from tests.staff.factories import StaffFactory
from tests.tickets.factories import closed_ticket, service_item, ticket_with_lines
from tickets.lifecycle import ticket_open
from tickets.lines import ticket_update_line
from tickets.models import Ticket, TicketStatus
from tickets.payments import payment_add
from tickets.tips import tip_add

from .conftest import autocomplete, htmx_settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_saturday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=(5 - today.weekday()) % 7 or 7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def saturday_morning(db):
    """Three stylists, five bookings from 9 AM, one of them cancelled."""
    day = next_saturday()
    haircut = service_item("60.00", name="Haircut")
    color = service_item("120.00", name="Color")
    blow_dry = service_item("35.00", name="Blow-dry")
    rows = {
        "ann": AppointmentFactory(
            start=at(day, 9),
            staff=StaffFactory(name="Sam"),
            item=haircut,
            client=ClientFactory(first_name="Ann", last_name="Lee"),
        ),
        "bea": AppointmentFactory(
            start=at(day, 9, 30),
            staff=StaffFactory(name="Rita"),
            item=color,
            duration_minutes=90,
            client=ClientFactory(first_name="Bea", last_name="Moss"),
            status=AppointmentStatus.CONFIRMED,
        ),
        "cal": AppointmentFactory(
            start=at(day, 10),
            staff=StaffFactory(name="Jo"),
            item=blow_dry,
            duration_minutes=30,
            client=ClientFactory(first_name="Cal", last_name="Ng"),
        ),
        "dee": AppointmentFactory(
            start=at(day, 11),
            staff=StaffFactory(name="Sam"),
            item=haircut,
            client=ClientFactory(first_name="Dee", last_name="Orr"),
        ),
        "gone": AppointmentFactory(
            start=at(day, 10),
            staff=StaffFactory(name="Jo"),
            item=haircut,
            status=AppointmentStatus.CANCELLED,
        ),
    }
    return day, rows


class Clicks:
    """Counts the desk's clicks and picks on one page."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def click(self, selector):
        self.count += 1
        self.page.click(selector)

    def pick(self, selector, **option):
        self.count += 1
        self.page.select_option(selector, **option)


def test_a_saturday_with_three_stylists(desk_page, saturday_morning):
    day, rows = saturday_morning
    desk_page.goto(f"/admin/?day={day.isoformat()}")
    expect(desk_page.locator(".sheet-head")).to_have_text(["Jo", "Rita", "Sam"])
    expect(desk_page.locator("#day-sheet-count")).to_have_text(
        "4 appointments · 1 cancelled (not counted)"
    )
    ann = f"#appointment-{rows['ann'].pk}"
    expect(desk_page.locator(f"{ann} .block-time")).to_have_text("9:00–10:00 AM")
    bea = f"#appointment-{rows['bea'].pk}"
    expect(desk_page.locator(f"{bea} .appointment-status")).to_have_text("Confirmed")
    expect(desk_page.locator(f"#appointment-{rows['cal'].pk} .confirmation-state")).to_have_text(
        "No text consent"
    )

    desk_page.click(f"{ann} summary")
    desk_page.click(f"{ann} .action-check-in")
    expect(desk_page.locator(f"{ann} .appointment-status")).to_have_text("Arrived")

    desk_page.click(f"{ann} summary")
    desk_page.click(f"{ann} .action-checkout")
    # R48: the ticket opens with the booked Haircut on it, by Sam; the desk adds nothing.
    expect(desk_page.locator("#checkout-lines")).to_contain_text("Haircut")
    line = Ticket.objects.get(appointment=rows["ann"]).lines.get()
    expect(desk_page.locator(f"#line-{line.pk}-staff option:checked")).to_have_text("Sam")
    expect(desk_page.locator("#payment-total")).to_have_text("$60.00")
    # R45: a $10 tip for Sam (who did the Haircut, so he is chosen first).
    expect(desk_page.locator("#tip-staff option:checked")).to_have_text("Sam")
    desk_page.fill("#tip-amount", "10")
    desk_page.click("#add-tip-button")
    expect(desk_page.locator("#checkout-tips")).to_contain_text("Tip for Sam")
    expect(desk_page.locator("#payment-total")).to_have_text("$70.00")
    # R47: $80 cash handed over on $70 due: $10 change, shown as it is typed and after.
    htmx_settled(desk_page)  # the tip's panel: its change preview's trigger attached
    desk_page.select_option("#payment-method", "cash")
    expect(desk_page.locator("#payment-amount")).to_have_value("70.00")
    desk_page.fill("#payment-tendered", "80")
    expect(desk_page.locator("#change-due")).to_have_text("$10.00")
    desk_page.click("#take-payment-button")
    expect(desk_page.locator("#checkout-notice")).to_have_text(
        "Cash $70.00 taken. Change due: $10.00."
    )
    expect(desk_page.locator("#payment-balance-due")).to_have_text("$0.00")
    desk_page.click("#close-ticket-button")
    expect(desk_page.locator("#ticket-status")).to_have_text("Closed")

    # R49: print the receipt: Sam's Haircut, his tip, the cash and the change.
    desk_page.click("#print-receipt")
    receipt = desk_page.locator("#receipt")
    expect(receipt).to_contain_text("by Sam")
    expect(receipt).to_contain_text("Tip for Sam")
    expect(desk_page.locator("#receipt-total")).to_have_text("$70.00")
    text = receipt.inner_text()
    assert "Tendered\t$80.00" in text and "Change\t$10.00" in text
    desk_page.click("#print-button")  # headless Chromium returns from window.print()
    desk_page.click("text=Back to the ticket")

    desk_page.click("text=Day sheet")
    expect(desk_page.locator("#day-sheet-title")).to_contain_text("Saturday")
    expect(desk_page.locator(f"{ann} .appointment-status")).to_have_text("Completed")
    rows["ann"].refresh_from_db()
    assert rows["ann"].status == AppointmentStatus.COMPLETED


def test_single_service_card_checkout_from_the_day_sheet_takes_six_clicks(
    desk_page, saturday_morning
):
    day, rows = saturday_morning
    desk_page.goto(f"/admin/?day={day.isoformat()}")
    cal = f"#appointment-{rows['cal'].pk}"
    clicks = Clicks(desk_page)
    clicks.click(f"{cal} summary")
    clicks.click(f"{cal} .action-checkout")
    # R48: the ticket opened from the appointment already carries its Blow-dry line.
    expect(desk_page.locator("#payment-amount")).to_have_value("35.00")  # card is the default
    clicks.click("#take-payment-button")
    expect(desk_page.locator("#payment-balance-due")).to_have_text("$0.00")
    clicks.click("#close-ticket-button")
    expect(desk_page.locator("#ticket-status")).to_have_text("Closed")
    assert clicks.count <= 6
    ticket = Ticket.objects.get(appointment=rows["cal"])
    assert (ticket.status, ticket.payments.get().method) == (TicketStatus.CLOSED, "card")


def test_a_walk_in_given_a_client_who_then_earns(desk_page, saturday_morning):  # R48
    day, rows = saturday_morning
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    ann = rows["ann"].client
    desk_page.goto(f"/admin/?day={day.isoformat()}")
    desk_page.click("#open-walk-in")
    expect(desk_page.locator("#checkout-client")).to_contain_text("Walk-in (no client)")
    desk_page.select_option("#checkout-item", label="Blow-dry ($35.00)")
    desk_page.select_option("#checkout-staff", label="Jo")
    desk_page.click("#add-line-button")
    expect(desk_page.locator("#payment-total")).to_have_text("$35.00")
    expect(desk_page.locator("#visit-points")).to_have_count(0)  # nobody to earn yet

    htmx_settled(desk_page)  # the search box's trigger is attached once the panel settles
    desk_page.fill("#client-search", "Lee")
    desk_page.click("#client-found button:has-text('Ann Lee')")
    expect(desk_page.locator("#checkout-client")).to_contain_text("Client: Ann Lee")
    expect(desk_page.locator("#points-will-earn")).to_have_text("70")
    desk_page.click("#take-payment-button")
    expect(desk_page.locator("#payment-balance-due")).to_have_text("$0.00")
    desk_page.click("#close-ticket-button")
    expect(desk_page.locator("#points-earned")).to_have_text("70")
    assert client_points_balance(client=ann).pending == 70
    ticket = Ticket.objects.get(client=ann)
    assert (ticket.appointment, ticket.lines.get().staff.name) == (None, "Jo")


def test_a_redemption_refused_for_each_reason_then_accepted(desk_page, manager):
    walk_in = ticket_with_lines("40.00", walk_in=True)
    desk_page.goto(f"/admin/frontdesk/tickets/{walk_in.pk}/checkout/")
    expect(desk_page.locator("#cannot-redeem")).to_have_text(
        "A walk-in ticket can't be paid with points."
    )

    customer = ClientFactory(first_name="Ivy", last_name="Points")
    points_adjust(client=customer, points=300, reason="Welcome", user=manager)
    ticket = ticket_with_lines("40.00", client=customer)
    desk_page.goto(f"/admin/frontdesk/tickets/{ticket.pk}/checkout/")
    expect(desk_page.locator("#cannot-redeem")).to_have_text(
        "Can redeem once the redeemable balance reaches $5.00 (500 points)."
    )

    points_adjust(client=customer, points=700, reason="Birthday", user=manager)
    settings_row = loyalty_settings_get()
    settings_row.min_redemption_dollars = 0
    settings_row.save()
    desk_page.reload()
    expect(desk_page.locator("#cannot-redeem")).to_have_text("Redemption is paused.")
    expect(desk_page.locator("#redeem-button")).to_have_count(0)

    settings_row.min_redemption_dollars = 5
    settings_row.save()
    desk_page.reload()
    expect(desk_page.locator("#usable-points")).to_have_text("1000")
    desk_page.fill("#redeem-points", "1001")
    desk_page.evaluate("document.querySelector('#redeem-points').removeAttribute('max')")
    desk_page.click("#redeem-button")
    expect(desk_page.locator("#checkout-error")).to_contain_text("only 1000 redeemable points")

    desk_page.fill("#redeem-points", "1000")
    desk_page.click("#redeem-button")
    expect(desk_page.locator("#payment-balance-due")).to_have_text("$30.00")
    assert client_points_balance(client=customer).redeemable == 0
    assert ticket.payments.get().amount == Decimal("10.00")


def test_every_day_sheet_action_by_keyboard(desk_page, saturday_morning):
    day, rows = saturday_morning
    desk_page.goto(f"/admin/?day={day.isoformat()}")
    dee = f"#appointment-{rows['dee'].pk}"
    desk_page.focus(f"{dee} summary")
    desk_page.keyboard.press("Enter")
    expect(desk_page.locator(f"{dee} .action-check-in")).to_be_visible()
    desk_page.keyboard.press("Tab")
    expect(desk_page.locator(f"{dee} .action-check-in")).to_be_focused()
    desk_page.keyboard.press("Enter")
    expect(desk_page.locator(f"{dee} .appointment-status")).to_have_text("Arrived")

    desk_page.focus("#next-day")
    desk_page.keyboard.press("Enter")
    expect(desk_page.locator("#day-sheet-title")).to_contain_text("Sunday")
    desk_page.focus("#find-client")
    desk_page.keyboard.type("Lee")
    desk_page.keyboard.press("Enter")
    expect(desk_page.locator("#result_list")).to_contain_text("Ann")


def test_checkout_by_keyboard(desk_page, customer):
    service_item("25.00", name="Fringe trim")
    StaffFactory(name="Rita")
    ticket = ticket_open(client=customer)
    desk_page.goto(f"/admin/frontdesk/tickets/{ticket.pk}/checkout/")
    desk_page.focus("#checkout-item")
    desk_page.keyboard.press("ArrowDown")  # the first item: Fringe trim
    expect(desk_page.locator("#line-preview-price")).to_have_text("Fringe trim: $25.00")
    desk_page.keyboard.press("Tab")  # to "By": Rita
    desk_page.keyboard.press("ArrowDown")
    desk_page.focus("#add-line-button")
    desk_page.keyboard.press("Enter")
    expect(desk_page.locator("#payment-amount")).to_have_value("25.00")
    assert ticket.lines.get().staff.name == "Rita"
    desk_page.focus("#tip-amount")  # Rita did the line: her tip
    desk_page.keyboard.type("5")
    desk_page.keyboard.press("Enter")
    expect(desk_page.locator("#checkout-tips")).to_contain_text("Tip for Rita")
    expect(desk_page.locator("#payment-amount")).to_have_value("30.00")
    htmx_settled(desk_page)
    desk_page.focus("#payment-method")
    desk_page.keyboard.press("ArrowUp")  # card → cash, the one above
    expect(desk_page.locator("#payment-method")).to_have_value("cash")
    desk_page.focus("#payment-tendered")
    desk_page.keyboard.type("40")
    expect(desk_page.locator("#change-due")).to_have_text("$10.00")
    desk_page.keyboard.press("Enter")
    expect(desk_page.locator("#payment-balance-due")).to_have_text("$0.00")
    desk_page.focus("#close-ticket-button")
    desk_page.keyboard.press("Enter")
    expect(desk_page.locator("#ticket-status")).to_have_text("Closed")
    desk_page.focus("#print-receipt")
    desk_page.keyboard.press("Enter")
    expect(desk_page.locator("#receipt-total")).to_have_text("$30.00")


def screens(saturday, customer):
    """The desk's screens, the checkout as it is open (a stylist on each line, a tip, cash
    change, a walk-in's client search) and once closed (the receipt's buttons)."""
    sam = StaffFactory(name="Sam")
    ticket = ticket_with_lines("60.00", client=customer)
    ticket_update_line(line=ticket.lines.get(), user=None, staff=sam)
    tip_add(ticket=ticket, amount=Decimal("10.00"), staff=sam)
    payment_add(ticket=ticket, method="cash", amount=Decimal("20.00"), tendered=Decimal("50"))
    walk_in = ticket_with_lines("35.00", walk_in=True)
    closed = closed_ticket("45.00", client=customer)
    return {
        "day sheet": f"/admin/?day={saturday.isoformat()}",
        "checkout": f"/admin/frontdesk/tickets/{ticket.pk}/checkout/",
        "walk-in checkout": f"/admin/frontdesk/tickets/{walk_in.pk}/checkout/",
        "closed checkout": f"/admin/frontdesk/tickets/{closed.pk}/checkout/",
        "receipt": f"/admin/frontdesk/tickets/{closed.pk}/receipt/",
        "client page": f"/admin/clients/client/{customer.pk}/change/",
        "Client Log": f"/admin/frontdesk/clients/{customer.pk}/log/",
    }


def test_the_desks_screens_fit_1366_by_768(desk_page, saturday_morning, customer):
    day, _ = saturday_morning
    desk_page.set_viewport_size({"width": 1366, "height": 768})
    for name, url in screens(day, customer).items():
        desk_page.goto(url)
        overflow = desk_page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow} px"


def test_no_serious_or_critical_axe_violations(desk_page, saturday_morning, customer):
    day, _ = saturday_morning
    axe = Axe()
    for name, url in screens(day, customer).items():
        desk_page.goto(url)
        if name == "walk-in checkout":  # with the clients found shown
            desk_page.fill("#client-search", customer.last_name)
            expect(desk_page.locator("#client-found")).to_be_visible()
        desk_page.wait_for_load_state("networkidle")
        results = axe.run(desk_page)
        serious = [
            violation
            for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        assert not serious, f"{name}: " + results.generate_report()


def test_a_manager_adjusts_points_finding_the_client_by_name(manager_page):
    customer = ClientFactory(first_name="Opal", last_name="Finder")
    manager_page.goto("/admin/loyalty/pointsentry/adjust/")
    autocomplete(manager_page, "id_client", "Opal Finder")
    manager_page.fill("#id_points", "250")
    manager_page.fill("#id_reason", "Apology for the wait")
    manager_page.click("input[value='Adjust points']")
    expect(manager_page.locator(".messagelist")).to_contain_text("+250 points for Opal Finder")
    assert client_points_balance(client=customer).redeemable == 250


def test_a_double_book_is_warned_then_overridden(desk_page, saturday_morning):  # R42
    day, rows = saturday_morning
    desk_page.goto("/admin/appointments/appointment/add/")
    autocomplete(desk_page, "id_client", str(rows["ann"].client))
    desk_page.select_option("#id_item", label="Blow-dry")
    desk_page.fill("#id_start_0", day.isoformat())
    desk_page.fill("#id_start_1", "09:15")
    desk_page.select_option("#id_staff", label="Sam")
    desk_page.click("input[name=_save]")
    expect(desk_page.locator(".errornote, .errorlist").first).to_be_visible()
    expect(desk_page.locator("#content")).to_contain_text("Haircut")  # names the other booking
    desk_page.check("#id_allow_overlap")
    desk_page.click("input[name=_save]")
    expect(desk_page.locator(".messagelist")).to_contain_text("was added successfully")
    desk_page.goto(f"/admin/?day={day.isoformat()}")
    sam_blocks = desk_page.locator(".sheet-block", has_text="Blow-dry")
    expect(sam_blocks).to_have_count(2)  # Cal's with Jo, and the double book beside Ann's


def test_a_reschedule_from_the_day_sheet(desk_page, saturday_morning):  # R42
    day, rows = saturday_morning
    desk_page.goto(f"/admin/?day={day.isoformat()}")
    dee = f"#appointment-{rows['dee'].pk}"
    desk_page.click(f"{dee} summary")
    desk_page.click(f"{dee} .action-reschedule")
    desk_page.fill("#id_start_1", "14:00")
    desk_page.select_option("#id_staff", label="Rita")
    desk_page.click("input[name=_save]")
    expect(desk_page.locator(".messagelist")).to_contain_text("changed successfully")
    desk_page.goto(f"/admin/?day={day.isoformat()}")
    expect(desk_page.locator(f"{dee} .block-time")).to_have_text("2:00–3:00 PM")
    rows["dee"].refresh_from_db()
    assert rows["dee"].staff.name == "Rita"
