"""The ticket admin calls the services; refusals show as messages and change nothing (R16,
R29-R32, §10)."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client as BrowserClient

from tests.clients.factories import ClientFactory
from tickets import selectors
from tickets.models import Payment, Ticket, TicketAdjustment, TicketLine, TicketStatus

from .factories import closed_ticket, paid_ticket, service_item, ticket_with_lines

pytestmark = pytest.mark.django_db


def browser_for(user) -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(user)
    return browser


@pytest.fixture
def desk(front_desk):
    return browser_for(front_desk)


@pytest.fixture
def boss(manager):
    return browser_for(manager)


def change_url(ticket) -> str:
    return f"/admin/tickets/ticket/{ticket.pk}/change/"


def as_submitted(response) -> dict:
    """The POST a browser would send for the change page as rendered."""
    data = {}

    def add_form(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else str(value)

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add_form(inline.formset.management_form)
        for form in inline.formset.forms:
            add_form(form)
    return data


def new_line_prefix(response) -> str:
    [lines] = [i for i in response.context["inline_admin_formsets"] if i.formset.prefix == "lines"]
    return f"lines-{lines.formset.initial_form_count()}"


def new_payment_prefix(response) -> str:
    [payments] = [
        i for i in response.context["inline_admin_formsets"] if i.formset.prefix == "payments"
    ]
    return f"payments-{payments.formset.initial_form_count()}"


def message_texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_front_desk_opens_a_ticket(desk, front_desk):  # R30
    customer = ClientFactory()
    response = desk.post("/admin/tickets/ticket/add/", {"client": customer.pk})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.client, ticket.created_by, ticket.status) == (customer, front_desk, "open")


def test_opening_for_a_tombstone_shows_the_refusal(desk):  # R17
    duplicate = ClientFactory(merged_into=ClientFactory())
    response = desk.post("/admin/tickets/ticket/add/", {"client": duplicate.pk}, follow=True)
    assert any("merged" in text for text in message_texts(response))
    assert Ticket.objects.count() == 0


def test_add_line_take_payment_and_close_in_one_submit(desk):  # R30, R31
    ticket = ticket_with_lines()
    item = service_item("60.00")
    page = desk.get(change_url(ticket))
    assert page.status_code == 200
    data = as_submitted(page)
    line = new_line_prefix(page)
    data.update({f"{line}-item": item.pk, f"{line}-quantity": "2"})
    data.pop(f"{line}-unit_price", None)
    payment = new_payment_prefix(page)
    data.update({f"{payment}-method": "card", f"{payment}-amount": "120.00"})
    data["_close_ticket"] = "Save and close ticket"
    response = desk.post(change_url(ticket), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.lines.get().net_amount == Decimal("120.00")
    assert ticket.payments.get().amount == Decimal("120.00")


def test_the_close_records_who_closed_shown_read_only(desk, front_desk):  # #12
    ticket = paid_ticket("40.00")
    data = as_submitted(desk.get(change_url(ticket)))
    data["_close_ticket"] = "Save and close ticket"
    assert desk.post(change_url(ticket), data).status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).closed_by == front_desk
    page = desk.get(change_url(ticket))
    assert {"closed_by", "voided_by"} <= set(page.context["adminform"].readonly_fields)
    closed_by_row = page.content.decode().split("field-closed_by")[1].split("form-row")[0]
    assert f">{front_desk.username}</" in closed_by_row


def test_page_shows_total_and_balance_due(desk):
    ticket = ticket_with_lines("100.00", "20.50")
    response = desk.get(change_url(ticket))
    content = response.content.decode()
    assert "120.50" in content
    assert 'name="_close_ticket"' in content
    assert 'name="_void_ticket"' in content


def test_close_refused_rolls_back_the_whole_submit(desk):  # R31
    ticket = ticket_with_lines("100.00")
    page = desk.get(change_url(ticket))
    data = as_submitted(page)
    payment = new_payment_prefix(page)
    data.update({f"{payment}-method": "cash", f"{payment}-amount": "40.00"})
    data["_close_ticket"] = "Save and close ticket"
    response = desk.post(change_url(ticket), data, follow=True)
    assert any("must equal the total" in text for text in message_texts(response))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert Payment.objects.count() == 0  # the payment of the same submit rolled back too


def test_overpayment_shows_an_error_and_changes_nothing(desk):  # R32
    ticket = ticket_with_lines("100.00")
    page = desk.get(change_url(ticket))
    data = as_submitted(page)
    payment = new_payment_prefix(page)
    data.update({f"{payment}-method": "cash", f"{payment}-amount": "100.01"})
    response = desk.post(change_url(ticket), data, follow=True)
    assert any("balance due" in text for text in message_texts(response))
    assert Payment.objects.count() == 0


def test_inactive_item_is_refused(desk):  # R32
    ticket = ticket_with_lines()
    retired = service_item("10.00", active=False)
    page = desk.get(change_url(ticket))
    data = as_submitted(page)
    line = new_line_prefix(page)
    data.update({f"{line}-item": retired.pk, f"{line}-quantity": "1"})
    response = desk.post(change_url(ticket), data, follow=True)
    assert any("inactive" in text for text in message_texts(response))
    assert TicketLine.objects.count() == 0


def test_front_desk_voids_an_open_ticket(desk):
    ticket = ticket_with_lines("10.00")
    data = as_submitted(desk.get(change_url(ticket)))
    data.update({"_void_ticket": "Void ticket", "reason": "left"})
    response = desk.post(change_url(ticket), data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.void_reason) == (TicketStatus.VOIDED, "left")


def test_front_desk_removes_a_payment(desk):
    ticket = paid_ticket("10.00")
    data = as_submitted(desk.get(change_url(ticket)))
    data["payments-0-DELETE"] = "on"
    assert desk.post(change_url(ticket), data).status_code == 302
    assert Payment.objects.count() == 0


def test_front_desk_sees_a_closed_ticket_read_only_and_cannot_change_it(desk):  # R16, §10
    ticket = closed_ticket("50.00")
    response = desk.get(change_url(ticket))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="_close_ticket"' not in content
    assert 'name="_void_ticket"' not in content
    assert 'name="lines-0-quantity"' not in content
    response = desk.post(change_url(ticket), {"_void_ticket": "Void ticket", "reason": "please"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED


def test_manager_adjusts_a_closed_line_with_a_reason(boss, manager):  # R16
    ticket = closed_ticket("100.00")
    page = boss.get(change_url(ticket))
    content = page.content.decode()
    assert 'name="lines-0-quantity"' in content
    assert 'name="settle_amount"' in content
    assert 'name="_void_ticket"' in content
    assert 'name="_close_ticket"' not in content
    data = as_submitted(page)
    data.update({"lines-0-discount_amount": "25.00", "reason": "price match"})
    response = boss.post(change_url(ticket), data)
    assert response.status_code == 302
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("-25.00")
    adjustment = TicketAdjustment.objects.get()
    assert (adjustment.reason, adjustment.created_by) == ("price match", manager)


def test_manager_adjustment_without_reason_changes_nothing(boss):  # R16
    ticket = closed_ticket("100.00")
    data = as_submitted(boss.get(change_url(ticket)))
    data["lines-0-quantity"] = "3"
    response = boss.post(change_url(ticket), data, follow=True)
    assert any("reason" in text for text in message_texts(response))
    assert ticket.lines.get().quantity == 1
    assert TicketAdjustment.objects.count() == 0


def test_manager_removes_a_closed_line_and_settles_the_refund(boss):  # R16
    ticket = closed_ticket("100.00", "40.00")
    data = as_submitted(boss.get(change_url(ticket)))
    data.update({"lines-1-DELETE": "on", "reason": "not done"})
    data.update({"settle_method": "card", "settle_amount": "-40.00"})
    response = boss.post(change_url(ticket), data)
    assert response.status_code == 302
    assert ticket.lines.count() == 1
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("0.00")
    assert list(ticket.adjustments.values_list("kind", flat=True)) == [
        TicketAdjustment.Kind.LINE_REMOVED,
        TicketAdjustment.Kind.SETTLEMENT,
    ]


def test_manager_voids_a_closed_ticket(boss):  # R16
    ticket = closed_ticket("100.00")
    data = as_submitted(boss.get(change_url(ticket)))
    data["_void_ticket"] = "Void ticket"
    response = boss.post(change_url(ticket), data, follow=True)
    assert any("reason" in text for text in message_texts(response))
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CLOSED
    data["reason"] = "refund"
    assert boss.post(change_url(ticket), data).status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.VOIDED


@pytest.mark.parametrize("count", [1, 12])
def test_changelist_uses_constant_queries(desk, django_assert_max_num_queries, count):
    for _ in range(count):
        paid_ticket("10.00", "5.00")
    with django_assert_max_num_queries(8):
        response = desk.get("/admin/tickets/ticket/")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count


def test_item_autocomplete_offers_only_active_items(desk):  # R32
    service_item("10.00", name="Cut classic")
    service_item("10.00", name="Cut retired", active=False)
    response = desk.get(
        "/admin/autocomplete/",
        {"app_label": "tickets", "model_name": "ticketline", "field_name": "item", "term": "cut"},
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Cut classic"]


def test_client_autocomplete_on_the_add_page(desk):
    ClientFactory(first_name="Ada", last_name="Lovelace")
    response = desk.get(
        "/admin/autocomplete/",
        {"app_label": "tickets", "model_name": "ticket", "field_name": "client", "term": "ada"},
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Ada Lovelace"]


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        (
            {"discount_amount": "5.00", "discount_percent": "10"},
            "Give either a discount amount or a discount percent, not both.",
        ),
        ({"discount_percent": "150"}, "A discount can't be more than 100 %."),
        ({"quantity": "0"}, "Quantity must be at least 1."),
    ],
)
def test_a_line_breaking_a_rule_shows_the_rule_not_a_constraint_name(
    desk, figures, expected
):  # R71, R32
    ticket = ticket_with_lines("100.00")
    page = desk.get(change_url(ticket))
    data = as_submitted(page)
    data.update({f"lines-0-{name}": value for name, value in figures.items()})
    response = desk.post(change_url(ticket), data, follow=True)
    shown = response.content.decode()
    assert expected in shown.replace("&#x27;", "'")
    assert "is violated" not in shown
    assert not [c.name for c in TicketLine._meta.constraints if c.name in shown]
    assert ticket.lines.get().net_amount == Decimal("100.00")
