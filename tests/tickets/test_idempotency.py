"""Ticket POSTs that move money honour Idempotency-Key (SPEC §11)."""

from decimal import Decimal

import pytest

from tickets import selectors
from tickets.models import Payment, Ticket, TicketLine

from .factories import paid_ticket, service_item, ticket_with_lines

pytestmark = pytest.mark.django_db


def test_a_retried_payment_is_taken_once(front_desk_api):  # R32
    ticket = ticket_with_lines("100.00")
    url = f"/api/v1/tickets/{ticket.pk}/payments/"
    headers = {"Idempotency-Key": "pay-1"}
    body = {"method": "cash", "amount": "60.00"}
    first = front_desk_api.post(url, body, format="json", headers=headers)
    again = front_desk_api.post(url, body, format="json", headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    assert selectors.ticket_balance_due(ticket=ticket) == Decimal("40.00")
    other = front_desk_api.post(
        url, {"method": "cash", "amount": "10.00"}, format="json", headers=headers
    )
    assert other.status_code == 422
    assert Payment.objects.count() == 1


def test_retried_open_line_and_close_do_it_once(front_desk_api):  # R30, R31
    headers = {"Idempotency-Key": "open-1"}
    first = front_desk_api.post("/api/v1/tickets/", {}, format="json", headers=headers)
    again = front_desk_api.post("/api/v1/tickets/", {}, format="json", headers=headers)
    assert first.json()["id"] == again.json()["id"]
    assert Ticket.objects.count() == 1
    item = service_item("10.00")
    url = f"/api/v1/tickets/{first.json()['id']}/lines/"
    for _ in range(2):
        front_desk_api.post(url, {"item": item.pk}, format="json", headers={"Idempotency-Key": "l"})
    assert TicketLine.objects.count() == 1

    ticket = paid_ticket("10.00")
    url = f"/api/v1/tickets/{ticket.pk}/close/"
    first = front_desk_api.post(url, headers={"Idempotency-Key": "close-1"})
    again = front_desk_api.post(url, headers={"Idempotency-Key": "close-1"})
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
