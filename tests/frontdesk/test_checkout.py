"""The checkout screen of an open ticket (issue #14): each form calls one service, htmx
gets the re-drawn panel, a refusal shows the service's words with a 400 and changes
nothing, the line preview costs one query, and the points say how many may pay or why
none (R19-R21)."""

from decimal import Decimal

import pytest

from appointments.models import AppointmentStatus
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.selectors import client_points_balance, loyalty_settings_get
from tests.appointments.factories import AppointmentFactory
from tests.loyalty.factories import rule_set
from tests.tickets.factories import service_item, ticket_with_lines
from tickets.lifecycle import ticket_open
from tickets.models import Ticket, TicketStatus

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


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
