"""The checkout screen of an open ticket (issue #14): each form calls one service, htmx
gets the re-drawn panel, a refusal shows the service's words with a 400 and changes
nothing, the line preview costs one query, and the points say how many may pay or why
none (R19-R21)."""

from decimal import Decimal

import pytest

import messaging
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
from tickets.lines import ticket_add_line
from tickets.models import Ticket, TicketStatus
from tickets.payments import payment_add
from tickets.tips import tip_add

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# Session, user and permissions (4), then the ticket, its lines, tips and payments, the
# amounts, the rewards box, the loyalty settings and features, the points preview, the
# staff and the items: the same for 1 line or 30.
CHECKOUT_PAGE_QUERIES = 15
# A tip added (its lock, checks and row) and the panel drawn again.
CHECKOUT_WRITE_QUERIES = 23


@pytest.fixture
def desk(client, front_desk):
    client.force_login(front_desk)
    return client


def checkout(ticket, action=""):
    return f"/admin/frontdesk/tickets/{ticket.pk}/checkout/{action}"


def test_the_line_preview_shows_price_and_net_in_one_query(
    desk, customer, django_assert_num_queries
):
    ticket = ticket_with_lines(client=customer)
    item = service_item("100.00", name="Haircut")
    desk.get(checkout(ticket))  # the session is warm: what is left is the preview's own read
    with django_assert_num_queries(5):  # session, user, permissions (2), the item
        response = desk.get(
            checkout(ticket, "preview/"),
            {"item": item.pk, "quantity": "1", "discount": "20", "discount_kind": "amount"},
            **HTMX,
        )
    page = response.content.decode()
    assert "Haircut: $100.00" in page
    assert '<strong id="line-preview-net">$80.00</strong>' in page


def test_the_line_preview_says_what_is_wrong(desk, customer):
    ticket = ticket_with_lines(client=customer)
    item = service_item("30.00")
    response = desk.get(checkout(ticket, "preview/"), {"item": item.pk, "discount": "50"}, **HTMX)
    assert "The discount can&#x27;t be more than the line amount (30.00)." in (
        response.content.decode()
    )


def test_add_a_discounted_line_take_card_and_close(desk, customer):
    ticket = ticket_with_lines(client=customer)
    item = service_item("100.00", name="Haircut")
    response = desk.post(
        checkout(ticket, "lines/"),
        {"item": item.pk, "quantity": "1", "discount": "10", "discount_kind": "percent"},
        **HTMX,
    )
    assert response.status_code == 200
    assert '<dd id="payment-total">$90.00</dd>' in response.content.decode()
    desk.post(checkout(ticket, "payments/"), {"method": "card", "amount": "90.00"}, **HTMX)
    response = desk.post(checkout(ticket, "close/"), **HTMX)
    assert response["HX-Redirect"] == checkout(ticket)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED


def test_a_refusal_is_400_with_the_services_words_and_changes_nothing(desk, customer):  # R32
    ticket = ticket_with_lines("40.00", client=customer)
    response = desk.post(checkout(ticket, "payments/"), {"method": "cash", "amount": "50"}, **HTMX)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="checkout-error"' in page
    assert "Constraint" not in page
    assert not ticket.payments.exists()
    response = desk.post(checkout(ticket, "payments/"), {"method": "cash", "amount": "1e3"}, **HTMX)
    assert response.status_code == 400
    assert "must be an amount such as 12.50" in response.content.decode()


def test_without_javascript_the_forms_post_and_come_back(desk, customer):
    ticket = ticket_with_lines(client=customer)
    item = service_item("25.00")
    response = desk.post(checkout(ticket, "lines/"), {"item": item.pk})
    assert response.url == checkout(ticket)
    assert ticket.lines.get().net_amount == Decimal("25.00")


def test_remove_a_line_and_a_payment(desk, customer):
    ticket = ticket_with_lines("40.00", "10.00", client=customer)
    line = ticket.lines.last()
    desk.post(checkout(ticket, f"lines/{line.pk}/remove/"), **HTMX)
    desk.post(checkout(ticket, "payments/"), {"method": "card", "amount": "5.00"}, **HTMX)
    payment = ticket.payments.get()
    desk.post(checkout(ticket, f"payments/{payment.pk}/remove/"), **HTMX)
    assert ticket.lines.count() == 1
    assert not ticket.payments.exists()


def test_r21_redeem_inline_offers_the_most_points_usable_now(desk, customer, manager):
    points_adjust(client=customer, points=9000, reason="Loyal client", user=manager)
    ticket = ticket_with_lines("40.00", client=customer)
    page = desk.get(checkout(ticket)).content.decode()
    assert '<span id="usable-points">3999</span>' in page
    response = desk.post(checkout(ticket, "redeem/"), {"points": "3999"}, **HTMX)
    assert '<strong id="payment-balance-due">$0.01</strong>' in response.content.decode()
    assert client_points_balance(client=customer).redeemable == 9000 - 3999


@pytest.mark.parametrize(
    ("situation", "why"),
    [
        ("walk_in", "A walk-in ticket can't be paid with points."),
        ("below_minimum", "Can redeem once the redeemable balance reaches $5.00 (500 points)."),
        ("paused", "Redemption is paused."),
    ],
)
def test_r20_why_no_points_can_pay(desk, customer, manager, situation, why):
    points_adjust(
        client=customer,
        points=300 if situation == "below_minimum" else 900,
        reason="Gift",
        user=manager,
    )
    if situation == "paused":
        settings_row = loyalty_settings_get()
        settings_row.min_redemption_dollars = 0
        settings_row.save()
    ticket = ticket_with_lines("40.00", walk_in=situation == "walk_in", client=customer)
    page = desk.get(checkout(ticket)).content.decode()
    assert f'<p id="cannot-redeem">{why}</p>' in page.replace("&#x27;", "'")
    assert 'id="redeem-button"' not in page


def test_r20_a_refused_redemption_shows_why(desk, customer, manager):
    points_adjust(client=customer, points=900, reason="Gift", user=manager)
    ticket = ticket_with_lines("40.00", client=customer)
    response = desk.post(checkout(ticket, "redeem/"), {"points": "1000"}, **HTMX)
    assert response.status_code == 400
    assert "only 900 redeemable points" in response.content.decode()
    assert not ticket.payments.exists()


def test_r48_closing_from_the_checkout_completes_the_appointment(desk):
    appointment = AppointmentFactory(status=AppointmentStatus.ARRIVED)
    ticket = ticket_open(appointment=appointment)  # starts with the service's line (R48)
    total = ticket.lines.get().net_amount
    desk.post(checkout(ticket, "payments/"), {"method": "card", "amount": str(total)}, **HTMX)
    desk.post(checkout(ticket, "close/"), **HTMX)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.COMPLETED
    page = desk.get(checkout(ticket)).content.decode()
    assert '<span id="ticket-status">Closed</span>' in page


def test_the_checkout_is_for_staff_only(client, client_user):
    ticket = ticket_open()
    client.force_login(client_user)
    response = client.get(checkout(ticket))
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert Ticket.objects.get().status == TicketStatus.OPEN


def test_the_points_the_visit_will_earn_then_earned(desk, customer):  # R3, R4
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    ticket = ticket_with_lines("100.00", client=customer)
    page = desk.get(checkout(ticket)).content.decode()
    assert '<strong id="points-will-earn">200</strong>' in page
    desk.post(checkout(ticket, "payments/"), {"method": "card", "amount": "100.00"}, **HTMX)
    desk.post(checkout(ticket, "close/"), **HTMX)
    page = desk.get(checkout(ticket)).content.decode()
    assert '<strong id="points-earned">200</strong>' in page
    assert client_points_balance(client=customer).pending == 200


def test_a_walk_in_earns_nothing_and_says_nothing_of_points(desk):
    ticket = ticket_with_lines("100.00", walk_in=True)
    assert 'id="visit-points"' not in desk.get(checkout(ticket)).content.decode()


def test_r57_a_managers_cap_shows_with_its_reason(desk, customer, manager):
    points_adjust(client=customer, points=9000, reason="Loyal client", user=manager)
    settings_row = loyalty_settings_get()
    settings_row.max_redemption_points = 300
    settings_row.save()
    ticket = ticket_with_lines("40.00", client=customer)
    page = desk.get(checkout(ticket)).content.decode()
    assert '<span id="usable-points">300</span>' in page
    assert 'id="redeem-limit"' in page


# --- who did it: staff per line (R41) ----------------------------------------------------------


def test_r41_a_line_names_its_stylist_and_the_visits_is_chosen_first(desk):
    sam, rita = StaffFactory(name="Sam"), StaffFactory(name="Rita")
    appointment = AppointmentFactory(status=AppointmentStatus.ARRIVED, staff=sam)
    ticket = ticket_open(appointment=appointment)
    page = desk.get(checkout(ticket)).content.decode()
    assert f'<option value="{sam.pk}" selected>Sam</option>' in page  # the new line's default
    item = service_item("30.00", name="Fringe trim")
    desk.post(checkout(ticket, "lines/"), {"item": item.pk, "staff": rita.pk}, **HTMX)
    assert ticket.lines.get(item=item).staff == rita


def test_r41_a_lines_stylist_changes_then_is_cleared(desk):
    sam, rita = StaffFactory(name="Sam"), StaffFactory(name="Rita")
    ticket = ticket_open(appointment=AppointmentFactory(staff=sam))
    line = ticket.lines.get()
    response = desk.post(checkout(ticket, f"lines/{line.pk}/staff/"), {"staff": rita.pk}, **HTMX)
    assert response.status_code == 200
    assert f"{line.item.name}: by Rita." in response.content.decode()
    line.refresh_from_db()
    assert line.staff == rita
    desk.post(checkout(ticket, f"lines/{line.pk}/staff/"), {"staff": ""}, **HTMX)
    line.refresh_from_db()
    assert line.staff is None


def test_r41_an_inactive_stylist_is_refused_in_words(desk):
    gone = StaffFactory(name="Gone", active=False)
    ticket = ticket_with_lines("30.00")
    line = ticket.lines.get()
    response = desk.post(checkout(ticket, f"lines/{line.pk}/staff/"), {"staff": gone.pk}, **HTMX)
    assert response.status_code == 400
    assert "no longer active" in response.content.decode()
    line.refresh_from_db()
    assert line.staff is None


# --- tips per staff member (R45) -------------------------------------------------------------


def test_r45_a_tip_for_a_stylist_adds_to_the_total_but_not_to_points(desk, customer, manager):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    points_adjust(client=customer, points=90000, reason="Loyal client", user=manager)
    sam = StaffFactory(name="Sam")
    ticket = ticket_with_lines("100.00", client=customer)
    response = desk.post(checkout(ticket, "tips/"), {"amount": "20", "staff": sam.pk}, **HTMX)
    page = response.content.decode()
    assert "Tip $20.00 for Sam added." in page
    assert '<dd id="payment-tips">$20.00</dd>' in page
    assert '<dd id="payment-total">$120.00</dd>' in page
    # Points pay strictly less than total - tips ($100.00); the tip earns nothing.
    assert '<span id="usable-points">9999</span>' in page
    assert '<strong id="points-will-earn">200</strong>' in page
    assert ticket.tips.get().staff == sam


def test_r45_a_tip_is_removed_and_a_bad_tip_refused(desk, customer):
    ticket = ticket_with_lines("40.00", client=customer)
    response = desk.post(checkout(ticket, "tips/"), {"amount": "0"}, **HTMX)
    assert response.status_code == 400 and not ticket.tips.exists()
    desk.post(checkout(ticket, "tips/"), {"amount": "5.00"}, **HTMX)  # for the salon
    tip = ticket.tips.get()
    assert tip.staff is None
    response = desk.post(checkout(ticket, f"tips/{tip.pk}/remove/"), **HTMX)
    assert '<dd id="payment-total">$40.00</dd>' in response.content.decode()
    assert not ticket.tips.exists()


# --- cash tendered and change (R47) ----------------------------------------------------------


def test_r47_cash_50_on_43_10_gives_6_90_change(desk, customer):
    ticket = ticket_with_lines("43.10", client=customer)
    response = desk.post(
        checkout(ticket, "payments/"),
        {"method": "cash", "amount": "43.10", "tendered": "50.00"},
        **HTMX,
    )
    page = response.content.decode()
    assert "Cash $43.10 taken. Change due: $6.90." in page
    assert "$50.00 handed over, change $6.90" in page
    assert '<strong id="payment-balance-due">$0.00</strong>' in page
    payment = ticket.payments.get()
    assert (payment.tendered, payment.change) == (Decimal("50.00"), Decimal("6.90"))


def test_r47_short_cash_is_refused_and_card_ignores_the_cash_field(desk, customer):
    ticket = ticket_with_lines("43.10", client=customer)
    response = desk.post(
        checkout(ticket, "payments/"),
        {"method": "cash", "amount": "43.10", "tendered": "40.00"},
        **HTMX,
    )
    assert response.status_code == 400
    assert "can&#x27;t be less than the amount paid" in response.content.decode()
    assert not ticket.payments.exists()
    desk.post(
        checkout(ticket, "payments/"),
        {"method": "card", "amount": "43.10", "tendered": "50.00"},
        **HTMX,
    )
    assert ticket.payments.get().tendered is None


# --- a walk-in given a client (R48) ----------------------------------------------------------


def test_r48_a_walk_in_given_a_client_then_earns(desk, customer):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    ticket = ticket_with_lines("60.00", walk_in=True)
    assert 'id="client-picker"' in desk.get(checkout(ticket)).content.decode()
    response = desk.post(checkout(ticket, "client/"), {"client": customer.pk}, **HTMX)
    page = response.content.decode()
    assert f"The ticket is now {customer}" in page.replace("&#x27;", "'")
    assert '<strong id="points-will-earn">120</strong>' in page
    desk.post(checkout(ticket, "payments/"), {"method": "card", "amount": "60.00"}, **HTMX)
    desk.post(checkout(ticket, "close/"), **HTMX)
    assert client_points_balance(client=customer).pending == 120


def test_r48_the_client_stays_once_points_paid(desk, customer, manager):
    points_adjust(client=customer, points=900, reason="Gift", user=manager)
    ticket = ticket_with_lines("40.00", client=customer)
    desk.post(checkout(ticket, "redeem/"), {"points": "500"}, **HTMX)
    assert 'id="client-picker"' not in desk.get(checkout(ticket)).content.decode()
    other = ClientFactory()
    response = desk.post(checkout(ticket, "client/"), {"client": other.pk}, **HTMX)
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.client == customer


# --- the receipt from the screen (R49) -------------------------------------------------------


def test_r49_after_close_print_or_send_the_receipt_once(desk, django_capture_on_commit_callbacks):
    customer = ClientFactory(first_name="Ann", sms_consent=True)
    ticket = closed_ticket("60.00", client=customer)
    page = desk.get(checkout(ticket)).content.decode()
    assert f'href="/admin/frontdesk/tickets/{ticket.pk}/receipt/">Print receipt</a>' in page
    assert "Send by text" in page and 'id="take-payment"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(checkout(ticket, "receipt/send/"), {"channel": "sms"}, **HTMX)
    assert "The receipt is on its way by text." in response.content.decode()
    assert "Send text again" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        again = desk.post(checkout(ticket, "receipt/send/"), {"channel": "sms"}, **HTMX)
    assert "The receipt was already sent by text." in again.content.decode()
    assert len(messaging.outbox) == 1
    assert f"receipt #{ticket.pk}" in messaging.outbox[0].body


def test_r49_a_text_receipt_without_consent_is_refused_in_words(desk):
    ticket = closed_ticket("60.00", client=ClientFactory(sms_consent=False))
    response = desk.post(checkout(ticket, "receipt/send/"), {"channel": "sms"}, **HTMX)
    assert response.status_code == 400
    assert "hasn&#x27;t agreed to texts" in response.content.decode()
    assert not messaging.outbox


# --- the screen's queries do not grow with the ticket (SPEC §12) -----------------------------


def busy_ticket(customer, rows: int):
    """An open ticket with `rows` lines (each by a stylist), tips and cash payments."""
    staff = [StaffFactory(name=f"Stylist {n}") for n in range(3)]
    ticket = ticket_open(client=customer)
    item = service_item("10.00")
    for row in range(rows):
        ticket_add_line(ticket=ticket, item=item, staff=staff[row % 3])
        tip_add(ticket=ticket, amount=Decimal("1.00"), staff=staff[row % 3])
        payment_add(ticket=ticket, method="cash", amount=Decimal("1.00"), tendered=Decimal("5"))
    return ticket


@pytest.mark.parametrize("rows", [1, 30])
def test_the_checkout_page_queries_are_constant(desk, customer, rows, django_assert_num_queries):
    ticket = busy_ticket(customer, rows)
    desk.get(checkout(ticket))
    with django_assert_num_queries(CHECKOUT_PAGE_QUERIES):
        response = desk.get(checkout(ticket))
    assert f'<dd id="payment-total">${11 * rows}.00</dd>' in response.content.decode()


@pytest.mark.parametrize("rows", [1, 30])
def test_a_write_redraws_the_panel_in_constant_queries(
    desk, customer, rows, django_assert_max_num_queries
):
    ticket = busy_ticket(customer, rows)
    desk.get(checkout(ticket))
    with django_assert_max_num_queries(CHECKOUT_WRITE_QUERIES):
        response = desk.post(checkout(ticket, "tips/"), {"amount": "2.00"}, **HTMX)
    assert response.status_code == 200
