"""The tickets API (SPEC §11): a ticket's life, roles, bad input, query counts."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tickets.models import Payment, Ticket, TicketAdjustment, TicketLine, TicketStatus
from tickets.payments import payment_add

from .factories import appointment_for, closed_ticket, paid_ticket, service_item, ticket_with_lines

pytestmark = pytest.mark.django_db


def url(ticket=None, *parts) -> str:
    path = "/api/v1/tickets/"
    if ticket is not None:
        path += f"{ticket.pk if hasattr(ticket, 'pk') else ticket}/"
    for part in parts:
        path += f"{part}/"
    return path


def test_a_tickets_life_through_the_api(front_desk_api):  # R30, R31, R48
    customer = ClientFactory()
    appointment = appointment_for(customer)
    response = front_desk_api.post(
        url(), {"client": customer.pk, "appointment": appointment.pk}, format="json"
    )
    assert response.status_code == 201
    ticket_id = response.data["id"]
    assert response.data["status"] == "open"
    assert (response.data["client"], response.data["appointment"]) == (customer.pk, appointment.pk)
    # The visit's service is the first line, at the item's price (R48); the desk may remove it.
    assert (response.data["total"], response.data["balance_due"]) == ("100.00", "100.00")
    assert [line["item"] for line in response.data["lines"]] == [appointment.item_id]
    assert response.data["payments"] == [] and response.data["closed_at"] is None
    first_line = response.data["lines"][0]["id"]
    assert front_desk_api.delete(url(ticket_id, "lines", first_line)).status_code == 204

    cut = service_item("100.00", name="Haircut")
    response = front_desk_api.post(
        url(ticket_id, "lines"), {"item": cut.pk, "discount_percent": "10"}, format="json"
    )
    assert response.status_code == 201
    assert response.data == {
        "id": response.data["id"],
        "item": cut.pk,
        "item_name": "Haircut",
        "kind": "service",
        "quantity": 1,
        "unit_price": "100.00",
        "discount_amount": None,
        "discount_percent": "10.00",
        "package_redemption": False,
        "staff": None,
        "staff_name": None,
        "net_amount": "90.00",
        "tax_percent": None,
        "tax_included": False,
        "tax": "0.00",
    }
    line_id = response.data["id"]
    response = front_desk_api.patch(
        url(ticket_id, "lines", line_id), {"quantity": 2}, format="json"
    )
    assert response.status_code == 200
    assert response.data["net_amount"] == "180.00"

    response = front_desk_api.post(
        url(ticket_id, "payments"), {"method": "card", "amount": "180.00"}, format="json"
    )
    assert response.status_code == 201
    assert (response.data["method"], response.data["amount"], response.data["points"]) == (
        "card",
        "180.00",
        None,
    )
    response = front_desk_api.post(url(ticket_id, "close"))
    assert response.status_code == 200
    assert response.data["status"] == "closed"
    assert response.data["closed_at"] is not None
    assert (response.data["total"], response.data["balance_due"]) == ("180.00", "0.00")
    assert [line["net_amount"] for line in response.data["lines"]] == ["180.00"]
    assert [payment["amount"] for payment in response.data["payments"]] == ["180.00"]

    response = front_desk_api.get(url(ticket_id))
    assert response.status_code == 200
    assert response.data["status"] == "closed"


def test_walk_in_ticket(front_desk_api):  # R11, R30
    response = front_desk_api.post(url(), {}, format="json")
    assert response.status_code == 201
    assert response.data["client"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client": 999999}, "client"),
        ({"appointment": 999999}, "appointment"),
    ],
)
def test_open_with_unknown_rows_is_400(front_desk_api, body, field):
    response = front_desk_api.post(url(), body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert Ticket.objects.count() == 0


def test_open_for_a_tombstone_or_someone_elses_appointment_is_400(front_desk_api):
    survivor = ClientFactory()
    duplicate = ClientFactory(merged_into=survivor)
    response = front_desk_api.post(url(), {"client": duplicate.pk}, format="json")
    assert response.status_code == 400
    assert "client" in response.data
    other_appointment = appointment_for(ClientFactory())
    response = front_desk_api.post(
        url(), {"client": survivor.pk, "appointment": other_appointment.pk}, format="json"
    )
    assert response.status_code == 400
    assert "appointment" in response.data
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": "two"}, "quantity"),
        ({"unit_price": "-1.00"}, "unit_price"),
        ({"unit_price": "1.001"}, "unit_price"),
        ({"discount_amount": "1.00", "discount_percent": "5"}, "discount_amount"),
        ({"discount_amount": "100.01"}, "discount_amount"),
        ({"discount_percent": "100.5"}, "discount_percent"),
        ({"package_redemption": True, "unit_price": "5.00"}, "unit_price"),
    ],
)
def test_bad_line_is_400_and_changes_nothing(front_desk_api, body, field):  # R32
    ticket = ticket_with_lines()
    item = service_item("100.00")
    response = front_desk_api.post(url(ticket, "lines"), {"item": item.pk, **body}, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert TicketLine.objects.count() == 0


def test_unknown_or_inactive_item_is_400(front_desk_api):  # R32
    ticket = ticket_with_lines()
    for item_id in (999999, ItemFactory(active=False).pk):
        response = front_desk_api.post(url(ticket, "lines"), {"item": item_id}, format="json")
        assert response.status_code == 400
        assert "item" in response.data
    assert TicketLine.objects.count() == 0


def test_no_line_on_closed_ticket(front_desk_api):  # R32
    ticket = closed_ticket("10.00")
    response = front_desk_api.post(url(ticket, "lines"), {"item": service_item().pk}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "ticket_not_open"


def test_delete_line_on_open_ticket(front_desk_api):
    ticket = ticket_with_lines("10.00", "20.00")
    line = ticket.lines.first()
    response = front_desk_api.delete(url(ticket, "lines", line.pk))
    assert response.status_code == 204
    assert list(ticket.lines.values_list("net_amount", flat=True)) == [Decimal("20.00")]


def test_line_of_another_ticket_is_404(front_desk_api):
    ticket, other = ticket_with_lines("10.00"), ticket_with_lines("20.00")
    line = other.lines.get()
    assert front_desk_api.delete(url(ticket, "lines", line.pk)).status_code == 404
    assert front_desk_api.patch(url(ticket, "lines", line.pk), {}).status_code == 404
    assert TicketLine.objects.filter(pk=line.pk).exists()


def test_closed_line_changes_are_managers_with_a_reason(manager_api, front_desk_api):  # R16
    ticket = closed_ticket("100.00")
    line = ticket.lines.get()
    response = front_desk_api.patch(
        url(ticket, "lines", line.pk), {"unit_price": "80.00", "reason": "x"}, format="json"
    )
    assert response.status_code == 403
    response = front_desk_api.delete(url(ticket, "lines", line.pk), {"reason": "x"}, format="json")
    assert response.status_code == 403
    response = manager_api.patch(
        url(ticket, "lines", line.pk), {"unit_price": "80.00"}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.data
    assert TicketAdjustment.objects.count() == 0
    response = manager_api.patch(
        url(ticket, "lines", line.pk),
        {"unit_price": "80.00", "reason": "price match"},
        format="json",
    )
    assert response.status_code == 200
    assert response.data["net_amount"] == "80.00"
    detail = manager_api.get(url(ticket)).data
    assert (detail["total"], detail["paid"], detail["balance_due"]) == ("80.00", "100.00", "-20.00")

    response = manager_api.post(
        url(ticket, "settle"),
        {"method": "card", "amount": "-20.00", "reason": "refund"},
        format="json",
    )
    assert response.status_code == 201
    assert response.data["amount"] == "-20.00"
    assert manager_api.get(url(ticket)).data["balance_due"] == "0.00"

    response = manager_api.delete(
        url(ticket, "lines", line.pk), {"reason": "not done"}, format="json"
    )
    assert response.status_code == 204
    assert ticket.adjustments.count() == 3


def test_closed_line_removal_reason_may_be_a_query_parameter(manager_api):  # R16
    ticket = closed_ticket("100.00", "20.00")
    line = ticket.lines.last()
    assert manager_api.delete(url(ticket, "lines", line.pk)).status_code == 400
    response = manager_api.delete(url(ticket, "lines", line.pk) + "?reason=not+done")
    assert response.status_code == 204
    assert ticket.adjustments.get().reason == "not done"


def test_settle_is_for_managers(front_desk_api, manager_api):  # R16
    ticket = closed_ticket("100.00")
    response = front_desk_api.post(
        url(ticket, "settle"), {"method": "cash", "amount": "1.00", "reason": "r"}, format="json"
    )
    assert response.status_code == 403
    # Nothing was adjusted: the balance is 0, so there is nothing to settle.
    response = manager_api.post(
        url(ticket, "settle"), {"method": "cash", "amount": "1.00", "reason": "r"}, format="json"
    )
    assert response.status_code == 400
    assert Payment.objects.filter(ticket=ticket).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"method": "points", "amount": "10.00"}, "method"),
        ({"method": "bitcoin", "amount": "10.00"}, "method"),
        ({"method": "cash", "amount": "0"}, "amount"),
        ({"method": "cash", "amount": "-5"}, "amount"),
        ({"method": "cash", "amount": "100.01"}, "amount"),
        ({"method": "cash"}, "amount"),
        ({"method": "cash", "amount": "abc"}, "amount"),
    ],
)
def test_bad_payment_is_400(front_desk_api, body, field):  # R32, R21
    ticket = ticket_with_lines("100.00")
    response = front_desk_api.post(url(ticket, "payments"), body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("method", ["points", "bitcoin"])
def test_settle_takes_a_desk_method_only(manager_api, method):  # R16, R21
    """The settle service refuses the method itself (the API restates no method rule)."""
    ticket = closed_ticket("100.00")
    response = manager_api.post(
        url(ticket, "settle"), {"method": method, "amount": "1.00", "reason": "r"}, format="json"
    )
    assert response.status_code == 400
    assert response.data == {"method": ["Settle with cash, card, check or gift card (not points)."]}
    assert Payment.objects.filter(ticket=ticket).count() == 1


def test_payment_on_closed_ticket_is_400(front_desk_api):  # R32
    ticket = closed_ticket("10.00")
    response = front_desk_api.post(
        url(ticket, "payments"), {"method": "cash", "amount": "1.00"}, format="json"
    )
    assert response.status_code == 400
    assert Payment.objects.filter(ticket=ticket).count() == 1


def test_delete_payment(front_desk_api):  # R22
    ticket = paid_ticket("10.00")
    payment = ticket.payments.get()
    assert front_desk_api.delete(url(ticket, "payments", payment.pk)).status_code == 204
    assert not Payment.objects.filter(pk=payment.pk).exists()
    assert front_desk_api.delete(url(ticket, "payments", payment.pk)).status_code == 404


def test_close_unpaid_is_400(front_desk_api):  # R31
    ticket = ticket_with_lines("10.00")
    response = front_desk_api.post(url(ticket, "close"))
    assert response.status_code == 400
    assert response.json()["code"] == "ticket_not_settled"
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN


def test_close_twice_answers_the_closed_ticket(front_desk_api):  # R31
    ticket = closed_ticket("10.00")
    response = front_desk_api.post(url(ticket, "close"))
    assert response.status_code == 200
    assert response.data["status"] == "closed"


def test_void_open_by_front_desk_closed_by_manager(front_desk_api, manager_api):  # R16
    open_ticket = ticket_with_lines("10.00")
    response = front_desk_api.post(url(open_ticket, "void"), {}, format="json")
    assert response.status_code == 200
    assert response.data["status"] == "voided"
    ticket = closed_ticket("10.00")
    response = front_desk_api.post(url(ticket, "void"), {"reason": "refund"}, format="json")
    assert response.status_code == 403
    response = manager_api.post(url(ticket, "void"), {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.data
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CLOSED
    response = manager_api.post(url(ticket, "void"), {"reason": "refund"}, format="json")
    assert response.status_code == 200
    assert (response.data["status"], response.data["void_reason"]) == ("voided", "refund")


def test_unknown_ticket_is_404(front_desk_api):
    assert front_desk_api.get(url(999999)).status_code == 404
    assert front_desk_api.post(url(999999, "close")).status_code == 404
    assert front_desk_api.post(url(999999, "lines"), {}, format="json").status_code == 404


def test_only_staff(anonymous_api):  # §10, §11
    ticket = ticket_with_lines("10.00")
    client_user = UserFactory()
    ClientFactory(user=client_user)
    app = APIClient()
    app.force_authenticate(client_user)
    calls = [
        ("get", url()),
        ("post", url()),
        ("get", url(ticket)),
        ("post", url(ticket, "lines")),
        ("post", url(ticket, "payments")),
        ("post", url(ticket, "close")),
        ("post", url(ticket, "void")),
        ("delete", url(ticket, "lines", ticket.lines.get().pk)),
    ]
    for method, path in calls:
        assert getattr(anonymous_api, method)(path).status_code == 401, path
        assert getattr(app, method)(path).status_code == 403, path
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN


def test_list_is_paginated_and_filtered(front_desk_api):
    closed = closed_ticket("10.00")
    ticket_with_lines("20.00")
    response = front_desk_api.get(url())
    assert response.status_code == 200
    assert response.data["count"] == 2
    assert {"next", "previous", "results"} <= set(response.data)
    response = front_desk_api.get(url(), {"status": "closed"})
    assert [row["id"] for row in response.data["results"]] == [closed.pk]
    response = front_desk_api.get(url(), {"client": closed.client_id})
    assert [row["id"] for row in response.data["results"]] == [closed.pk]


def _many_lines_and_payments(count: int):
    for _ in range(count):
        ticket = ticket_with_lines(*["10.00"] * 3)
        payment_add(ticket=ticket, method="cash", amount=Decimal("5.00"))
        payment_add(ticket=ticket, method="card", amount=Decimal("5.00"))


@pytest.mark.parametrize("count", [1, 15])
def test_list_uses_constant_queries(front_desk_api, django_assert_num_queries, count):
    _many_lines_and_payments(count)
    # count, tickets with totals, lines with items, tips, payments
    with django_assert_num_queries(5):
        response = front_desk_api.get(url())
    assert response.data["count"] == count
    assert all(row["total"] == "30.00" for row in response.data["results"])


@pytest.mark.parametrize("line_count", [1, 20])
def test_detail_uses_constant_queries(front_desk_api, django_assert_num_queries, line_count):
    ticket = paid_ticket(*["10.00"] * line_count)
    # the ticket with its amounts, lines with items, tips, payments
    with django_assert_num_queries(4):
        response = front_desk_api.get(url(ticket))
    assert response.data["balance_due"] == "0.00"
    assert len(response.data["lines"]) == line_count


def test_the_schema_documents_the_ticket_endpoints(anonymous_api):  # SPEC §11
    paths = anonymous_api.get("/api/schema/", {"format": "json"}).json()["paths"]
    for path, method in [
        ("/api/v1/items/", "post"),
        ("/api/v1/tickets/", "post"),
        ("/api/v1/tickets/{id}/", "get"),
        ("/api/v1/tickets/{ticket_id}/lines/", "post"),  # R72: one name per resource
        ("/api/v1/tickets/{ticket_id}/lines/{id}/", "patch"),
        ("/api/v1/tickets/{ticket_id}/payments/{id}/", "delete"),
        ("/api/v1/tickets/{id}/close/", "post"),
        ("/api/v1/tickets/{id}/void/", "post"),
        ("/api/v1/tickets/{id}/settle/", "post"),
    ]:
        assert method in paths[path], path
