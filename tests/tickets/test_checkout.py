"""The real sale (issue #13): tax on lines (R43), the ticket's amounts (R44), tips (R45),
what points may pay (R46), cash change (R47) and the ticket as the visit's checkout (R48);
through the services, the API and admin, with the issue's figures written out."""

from decimal import Decimal

import pytest

from catalog.models import ItemKind, TaxRate
from catalog.services import item_update, tax_rate_create, tax_rate_update
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.redemption import points_redeem
from salon.services import salon_settings_update
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import rule_set
from tests.staff.factories import StaffFactory
from tickets import selectors
from tickets.errors import (
    ClientLockedByPoints,
    ExceedsTicketTotal,
    TenderedBelowAmount,
    TenderedNotCash,
    TipNotPositive,
    TipOnClosedTicket,
)
from tickets.lifecycle import ticket_close, ticket_open, ticket_set_client
from tickets.lines import ticket_add_line, ticket_update_line
from tickets.models import Payment, Tip
from tickets.payments import payment_add
from tickets.tips import tip_add, tip_remove

from .factories import appointment_for, reservation_for
from .test_admin import as_submitted, browser_for, change_url

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def nyc_tax(manager):
    return tax_rate_create(name="NYC sales tax", percent=D("8.875"), user=manager)


@pytest.fixture
def vat(manager):
    return tax_rate_create(name="VAT", percent=D("20"), user=manager)


@pytest.fixture
def inclusive(manager):
    salon_settings_update(user=manager, changes={"prices_include_tax": True})


def taxed_item(rate, price="100.00", kind=ItemKind.SERVICE):
    return ItemFactory(kind=kind, price=D(price), tax_rate=rate)


def amounts(ticket):
    figures = selectors.ticket_amounts(ticket=ticket)
    return figures.subtotal, figures.tax, figures.tips, figures.total, figures.balance_due


# --- R43, R44: tax per line and the ticket's amounts ----------------------------------------


def test_r43_100_at_8_875_exclusive_is_8_88_tax_and_108_88_total(nyc_tax):
    ticket = ticket_open(client=ClientFactory())
    line = ticket_add_line(ticket=ticket, item=taxed_item(nyc_tax))
    assert (line.tax_percent, line.tax_included, line.tax) == (D("8.875"), False, D("8.88"))
    assert amounts(ticket) == (D("100.00"), D("8.88"), D("0.00"), D("108.88"), D("108.88"))


def test_r43_100_at_20_inclusive_is_16_67_tax_inside_the_100_total(vat, inclusive):
    ticket = ticket_open(client=ClientFactory())
    line = ticket_add_line(ticket=ticket, item=taxed_item(vat))
    assert (line.tax_included, line.tax) == (True, D("16.67"))
    assert amounts(ticket) == (D("100.00"), D("16.67"), D("0.00"), D("100.00"), D("100.00"))


def test_r43_tax_is_on_the_discounted_net_and_follows_line_changes(nyc_tax):
    ticket = ticket_open(client=ClientFactory())
    line = ticket_add_line(
        ticket=ticket, item=taxed_item(nyc_tax, "40.00"), quantity=2, discount_percent=D("10")
    )
    assert (line.net_amount, line.tax) == (D("72.00"), D("6.39"))  # 6.39 = 72 x 8.875 %
    line = ticket_update_line(line=line, user=None, quantity=1)
    assert (line.net_amount, line.tax) == (D("36.00"), D("3.20"))  # 3.195 rounds half up


def test_r43_later_rate_item_and_pricing_changes_touch_no_existing_line(manager, nyc_tax, vat):
    ticket = ticket_open(client=ClientFactory())
    item = taxed_item(nyc_tax)
    line = ticket_add_line(ticket=ticket, item=item)
    tax_rate_update(tax_rate=nyc_tax, percent=D("9.5"), user=manager)
    item_update(item=item, tax_rate=vat, user=manager)
    salon_settings_update(user=manager, changes={"prices_include_tax": True})
    line = ticket_update_line(line=line, user=None, unit_price=D("200.00"))
    assert (line.tax_percent, line.tax_included, line.tax) == (D("8.875"), False, D("17.75"))
    assert TaxRate.objects.get(pk=nyc_tax.pk).percent == D("9.500")


def test_r44_without_tax_or_tips_the_amounts_are_those_of_r30():
    ticket = ticket_open(client=ClientFactory())
    ticket_add_line(ticket=ticket, item=ItemFactory(price=D("45.00")))
    assert amounts(ticket) == (D("45.00"), D("0.00"), D("0.00"), D("45.00"), D("45.00"))


def test_r31_r44_the_close_compares_payments_with_tax_and_tips(nyc_tax):
    ticket = ticket_open(client=ClientFactory())
    ticket_add_line(ticket=ticket, item=taxed_item(nyc_tax))
    tip_add(ticket=ticket, amount=D("20.00"))
    payment_add(ticket=ticket, method="card", amount=D("108.88"))
    with pytest.raises(Exception) as refused:
        ticket_close(ticket=ticket)
    assert refused.value.code == "ticket_not_settled"
    payment_add(ticket=ticket, method="cash", amount=D("20.00"))
    assert ticket_close(ticket=ticket).status == "closed"


# --- R45, R46: tips, and what points may pay -------------------------------------------------


def test_r45_a_tip_adds_to_the_total_untaxed_and_is_removed_on_an_open_ticket(nyc_tax):
    ticket = ticket_open(client=ClientFactory())
    ticket_add_line(ticket=ticket, item=taxed_item(nyc_tax))
    tip = tip_add(ticket=ticket, amount=D("20.00"))
    assert amounts(ticket) == (D("100.00"), D("8.88"), D("20.00"), D("128.88"), D("128.88"))
    tip_remove(tip=tip)
    assert Tip.objects.count() == 0


@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_r45_a_tip_must_be_more_than_0(amount):
    ticket = ticket_open(client=ClientFactory())
    with pytest.raises(TipNotPositive) as refused:
        tip_add(ticket=ticket, amount=D(amount))
    assert refused.value.code == "tip_not_positive"
    assert Tip.objects.count() == 0


def test_r45_no_tip_on_a_closed_ticket():
    ticket = ticket_open(client=ClientFactory())
    ticket_add_line(ticket=ticket, item=ItemFactory(price=D("10.00")))
    tip = tip_add(ticket=ticket, amount=D("2.00"))
    payment_add(ticket=ticket, method="cash", amount=D("12.00"))
    ticket_close(ticket=ticket)
    with pytest.raises(TipOnClosedTicket) as refused:
        tip_add(ticket=ticket, amount=D("5.00"))
    assert refused.value.code == "ticket_not_open"
    with pytest.raises(TipOnClosedTicket):
        tip_remove(tip=tip)
    assert Tip.objects.count() == 1


def test_r46_a_20_tip_earns_0_and_points_cant_pay_it(front_desk, manager):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=D("1.00"))
    customer = ClientFactory()
    points_adjust(client=customer, points=20000, reason="welcome", user=manager)
    ticket = ticket_open(client=customer)
    ticket_add_line(ticket=ticket, item=ItemFactory(price=D("100.00")))
    tip_add(ticket=ticket, amount=D("20.00"))
    # total 120.00, of which points may pay strictly less than 120.00 - 20.00
    with pytest.raises(ExceedsTicketTotal) as refused:
        points_redeem(ticket=ticket, points=10000, user=front_desk)
    assert refused.value.code == "exceeds_ticket_total"
    points_redeem(ticket=ticket, points=9999, user=front_desk)
    payment_add(ticket=ticket, method="cash", amount=D("20.01"))
    ticket = ticket_close(ticket=ticket)
    detail = selectors.ticket_list_with_totals().get(pk=ticket.pk)
    assert detail.points_earned == 200  # on the $100 haircut, none on the $20 tip


# --- R47: cash change -------------------------------------------------------------------------


def test_r47_cash_50_tendered_on_43_10_due_gives_6_90_change():
    ticket = ticket_open(client=ClientFactory())
    ticket_add_line(ticket=ticket, item=ItemFactory(price=D("43.10")))
    payment = payment_add(ticket=ticket, method="cash", amount=D("43.10"), tendered=D("50.00"))
    assert (payment.tendered, payment.change) == (D("50.00"), D("6.90"))


def test_r47_tendered_below_amount_or_on_another_method_is_refused():
    ticket = ticket_open(client=ClientFactory())
    ticket_add_line(ticket=ticket, item=ItemFactory(price=D("43.10")))
    with pytest.raises(TenderedBelowAmount) as refused:
        payment_add(ticket=ticket, method="cash", amount=D("43.10"), tendered=D("40.00"))
    assert refused.value.code == "tendered_below_amount"
    with pytest.raises(TenderedNotCash) as refused:
        payment_add(ticket=ticket, method="card", amount=D("43.10"), tendered=D("50.00"))
    assert refused.value.code == "tendered_not_cash"
    assert Payment.objects.count() == 0


# --- R48: the ticket is the visit's checkout -------------------------------------------------


def test_r48_a_ticket_for_an_appointment_starts_with_its_service_at_the_current_price():
    customer = ClientFactory()
    appointment = appointment_for(customer)
    item_update(item=appointment.item, price=D("65.00"))
    ticket = ticket_open(appointment=appointment)
    [line] = ticket.lines.all()
    assert (line.item_id, line.quantity, line.net_amount) == (
        appointment.item_id, 1, D("65.00"),
    )  # fmt: skip


def test_r48_a_ticket_for_a_reservation_starts_with_the_product_times_quantity():
    customer = ClientFactory()
    reservation = reservation_for(customer)
    reservation.quantity = 3
    reservation.save(update_fields=["quantity"])
    ticket = ticket_open(reservation=reservation)
    [line] = ticket.lines.all()
    assert (line.item_id, line.quantity, line.net_amount) == (
        reservation.item_id, 3, D("60.00"),
    )  # fmt: skip


def test_r48_a_walk_in_who_turns_out_to_be_a_regular_earns():
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=D("1.00"))
    ticket = ticket_open()
    ticket_add_line(ticket=ticket, item=ItemFactory(price=D("30.00")))
    regular = ClientFactory()
    ticket_set_client(ticket=ticket, client=regular)
    payment_add(ticket=ticket, method="cash", amount=D("30.00"))
    ticket_close(ticket=ticket)
    assert selectors.ticket_list_with_totals().get(pk=ticket.pk).points_earned == 30


def test_r48_the_client_cant_change_once_points_paid(front_desk, manager):
    customer = ClientFactory()
    points_adjust(client=customer, points=1000, reason="welcome", user=manager)
    ticket = ticket_open(client=customer)
    ticket_add_line(ticket=ticket, item=ItemFactory(price=D("30.00")))
    points_redeem(ticket=ticket, points=500, user=front_desk)
    with pytest.raises(ClientLockedByPoints) as refused:
        ticket_set_client(ticket=ticket, client=ClientFactory())
    assert refused.value.code == "client_locked_by_points"
    ticket.refresh_from_db()
    assert ticket.client == customer


# --- the API ----------------------------------------------------------------------------------


def url(ticket, *rest):
    return "/".join([f"/api/v1/tickets/{ticket.pk}", *rest, ""])


def test_api_amounts_tips_and_cash_change(front_desk_api, nyc_tax):
    ticket = ticket_open(client=ClientFactory())
    ticket_add_line(ticket=ticket, item=taxed_item(nyc_tax, "36.00"))
    response = front_desk_api.post(url(ticket, "tips"), {"amount": "3.50"}, format="json")
    assert response.status_code == 201
    tip_id = response.json()["id"]
    body = front_desk_api.get(url(ticket)).json()
    assert (body["subtotal"], body["tax"], body["tips"], body["total"], body["balance_due"]) == (
        "36.00", "3.20", "3.50", "42.70", "42.70",
    )  # fmt: skip
    assert body["lines"][0]["tax"] == "3.20" and body["lines"][0]["tax_percent"] == "8.875"
    assert body["points_earned"] is None  # open: nothing earned yet
    assert front_desk_api.delete(url(ticket, "tips", str(tip_id))).status_code == 204
    response = front_desk_api.post(
        url(ticket, "payments"),
        {"method": "cash", "amount": "39.20", "tendered": "50.00"},
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["tendered"], response.json()["change"]) == ("50.00", "10.80")


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("tips", {"amount": "0"}, "tip_not_positive"),
        ("tips", {"amount": "-1.00"}, "tip_not_positive"),
        (
            "payments",
            {"method": "card", "amount": "5.00", "tendered": "10.00"},
            "tendered_not_cash",
        ),
        (
            "payments",
            {"method": "cash", "amount": "5.00", "tendered": "4.00"},
            "tendered_below_amount",
        ),
    ],
)
def test_api_bad_tips_and_tendered_are_400_with_a_code(front_desk_api, path, body, code):
    ticket = ticket_open(client=ClientFactory())
    ticket_add_line(ticket=ticket, item=ItemFactory(price=D("10.00")))
    response = front_desk_api.post(url(ticket, path), body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert (Tip.objects.count(), Payment.objects.count()) == (0, 0)


def test_api_patch_sets_the_client_and_refuses_after_points(front_desk_api, manager):
    ticket = ticket_open()
    ticket_add_line(ticket=ticket, item=ItemFactory(price=D("30.00")))
    regular = ClientFactory()
    response = front_desk_api.patch(url(ticket), {"client": regular.pk}, format="json")
    assert (response.status_code, response.json()["client"]) == (200, regular.pk)
    points_adjust(client=regular, points=1000, reason="welcome", user=manager)
    response = front_desk_api.post(url(ticket, "redeem"), {"points": 500}, format="json")
    assert response.status_code == 201
    response = front_desk_api.patch(url(ticket), {"client": ClientFactory().pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "client_locked_by_points")


def test_api_a_closed_ticket_shows_what_it_earned(front_desk_api):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=D("1.00"), referrer_points=1)
    referrer = ClientFactory()
    ticket = ticket_open(client=ClientFactory(referred_by=referrer))
    ticket_add_line(ticket=ticket, item=ItemFactory(price=D("100.00")))
    payment_add(ticket=ticket, method="card", amount=D("100.00"))
    ticket_close(ticket=ticket)
    body = front_desk_api.get(url(ticket)).json()
    assert (body["points_earned"], body["referrer_points_earned"]) == (200, 100)


@pytest.mark.parametrize("line_count", [1, 12])
def test_api_ticket_queries_stay_constant_with_tax_tips_and_points(
    front_desk_api, django_assert_num_queries, nyc_tax, line_count
):
    ticket = ticket_open(client=ClientFactory())
    for _ in range(line_count):
        ticket_add_line(ticket=ticket, item=taxed_item(nyc_tax, "10.00"))
        tip_add(ticket=ticket, amount=D("1.00"))
    # the ticket with its amounts and points, lines with items, tips, payments
    with django_assert_num_queries(4):
        response = front_desk_api.get(url(ticket))
    assert len(response.json()["lines"]) == line_count


# --- admin ------------------------------------------------------------------------------------


def test_admin_tip_tendered_and_amounts(front_desk, nyc_tax):
    ticket = ticket_open(client=ClientFactory())
    ticket_add_line(ticket=ticket, item=taxed_item(nyc_tax))
    desk = browser_for(front_desk)
    page = desk.get(change_url(ticket))
    data = as_submitted(page)
    data.update({"tips-0-amount": "20.00"})
    response = desk.post(change_url(ticket), data)
    assert response.status_code == 302
    assert amounts(ticket)[2:4] == (D("20.00"), D("128.88"))
    page = desk.get(change_url(ticket))
    text = page.content.decode()
    assert "8.88 (8.875 %)" in text and "128.88" in text
    data = as_submitted(page)
    data.update({"payments-0-method": "cash", "payments-0-amount": "128.88",
                 "payments-0-tendered": "130.00"})  # fmt: skip
    assert desk.post(change_url(ticket), data).status_code == 302
    assert Payment.objects.get().change == D("1.12")


def test_admin_refused_tendered_shows_the_rule_and_saves_nothing(front_desk):
    ticket = ticket_open(client=ClientFactory())
    ticket_add_line(ticket=ticket, item=ItemFactory(price=D("43.10")))
    desk = browser_for(front_desk)
    data = as_submitted(desk.get(change_url(ticket)))
    data.update({"payments-0-method": "card", "payments-0-amount": "43.10",
                 "payments-0-tendered": "50.00"})  # fmt: skip
    response = desk.post(change_url(ticket), data)
    assert TenderedNotCash.message in response.content.decode()
    assert "payment_tendered" not in response.content.decode()  # no constraint name (R71)
    assert Payment.objects.count() == 0


def test_admin_sets_the_client_of_a_walk_in(front_desk):
    ticket = ticket_open()
    regular = ClientFactory()
    desk = browser_for(front_desk)
    data = as_submitted(desk.get(change_url(ticket)))
    data["client"] = str(regular.pk)
    assert desk.post(change_url(ticket), data).status_code == 302
    ticket.refresh_from_db()
    assert ticket.client == regular


# --- R41 on lines and R45 on tips: who did the work ------------------------------------------


def test_r41_the_visit_line_takes_the_appointments_staff_member():
    sam = StaffFactory(name="Sam")
    appointment = appointment_for(ClientFactory())
    appointment.staff = sam
    appointment.save(update_fields=["staff"])
    ticket = ticket_open(appointment=appointment)
    assert ticket.lines.get().staff == sam


def test_r41_r45_lines_and_tips_name_an_active_staff_member(front_desk_api):
    rita, gone = StaffFactory(name="Rita"), StaffFactory(name="Gone", active=False)
    ticket = ticket_open(client=ClientFactory())
    item = ItemFactory(price=D("20.00"))
    line = ticket_add_line(ticket=ticket, item=item, staff=rita)
    tip = tip_add(ticket=ticket, amount=D("4.00"), staff=rita)
    assert (line.staff, tip.staff) == (rita, rita)
    response = front_desk_api.post(
        url(ticket, "lines"), {"item": item.pk, "staff": gone.pk}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "staff_inactive")
    response = front_desk_api.post(
        url(ticket, "tips"), {"amount": "2.00", "staff": gone.pk}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "staff_inactive")
    body = front_desk_api.get(url(ticket)).json()
    assert (body["lines"][0]["staff_name"], body["tip_list"][0]["staff_name"]) == ("Rita", "Rita")
    assert (ticket.lines.count(), ticket.tips.count()) == (1, 1)


def test_r41_a_lines_staff_member_changes_and_can_be_cleared(front_desk, front_desk_api):
    sam, rita = StaffFactory(name="Sam"), StaffFactory(name="Rita")
    ticket = ticket_open(client=ClientFactory())
    line = ticket_add_line(ticket=ticket, item=ItemFactory(price=D("20.00")), staff=sam)
    line = ticket_update_line(line=line, user=front_desk, quantity=2)  # staff left as it is
    assert (line.staff, line.net_amount) == (sam, D("40.00"))
    line = ticket_update_line(line=line, user=front_desk, staff=rita)
    assert line.staff == rita
    line = ticket_update_line(line=line, user=front_desk, staff=None)  # no one named
    line.refresh_from_db()
    assert line.staff is None
    response = front_desk_api.patch(
        url(ticket, "lines", str(line.pk)), {"staff": sam.pk}, format="json"
    )
    assert response.json()["staff_name"] == "Sam"
    response = front_desk_api.patch(
        url(ticket, "lines", str(line.pk)), {"staff": None}, format="json"
    )
    assert (response.status_code, response.json()["staff"]) == (200, None)


def test_r16_r41_clearing_a_closed_lines_staff_is_a_managers_recorded_adjustment(manager):
    sam = StaffFactory(name="Sam")
    appointment = appointment_for(ClientFactory())
    appointment.staff = sam
    appointment.save(update_fields=["staff"])
    ticket = ticket_open(appointment=appointment)
    payment_add(ticket=ticket, method="card", amount=ticket.lines.get().net_amount)
    ticket = ticket_close(ticket=ticket)
    ticket_update_line(line=ticket.lines.get(), user=manager, staff=None, reason="Wrong stylist")
    adjustment = ticket.adjustments.get()
    assert (adjustment.old_values["staff"], adjustment.new_values["staff"]) == (sam.pk, None)
    assert adjustment.reason == "Wrong stylist"
