"""R48: closing a ticket completes its appointment and fulfils its reservation in the same
transaction, however the ticket closes (service, API, admin, an idempotent retry)."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client as BrowserClient

from appointments.models import AppointmentStatus, ReservationStatus
from tests.clients.factories import ClientFactory
from tickets.lifecycle import ticket_close, ticket_open, ticket_void
from tickets.lines import ticket_add_line
from tickets.models import TicketStatus
from tickets.payments import payment_add

from .factories import appointment_for, reservation_for, service_item
from .test_admin import as_submitted

pytestmark = pytest.mark.django_db


def paid_visit_ticket():
    """An open, fully paid ticket for an arrived appointment and a reserved product; it
    starts with their lines (R48) and the desk adds one more."""
    customer = ClientFactory()
    appointment = appointment_for(customer)
    appointment.status = AppointmentStatus.ARRIVED
    appointment.save(update_fields=["status"])
    reservation = reservation_for(customer)
    ticket = ticket_open(client=customer, appointment=appointment, reservation=reservation)
    ticket_add_line(ticket=ticket, item=service_item("80.00"))
    total = sum(line.net_amount for line in ticket.lines.all())
    payment_add(ticket=ticket, method="card", amount=total)
    return ticket, appointment, reservation


def assert_visit_completed(appointment, reservation):
    appointment.refresh_from_db()
    reservation.refresh_from_db()
    assert appointment.status == AppointmentStatus.COMPLETED
    assert reservation.status == ReservationStatus.FULFILLED


def test_service_close_completes_appointment_and_fulfils_reservation():  # R48
    ticket, appointment, reservation = paid_visit_ticket()
    ticket_close(ticket=ticket)
    assert_visit_completed(appointment, reservation)


def test_a_second_close_changes_nothing_more():  # R31, R48
    ticket, appointment, reservation = paid_visit_ticket()
    ticket_close(ticket=ticket)
    ticket_close(ticket=ticket)
    assert_visit_completed(appointment, reservation)


def test_a_close_that_rolls_back_leaves_the_visit_open():  # R48: same transaction
    ticket, appointment, reservation = paid_visit_ticket()

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        ticket_close(ticket=ticket)
        raise Rollback
    appointment.refresh_from_db()
    reservation.refresh_from_db()
    assert appointment.status == AppointmentStatus.ARRIVED
    assert reservation.status == ReservationStatus.RESERVED


def test_refused_close_leaves_the_visit_open():  # R31, R48
    customer = ClientFactory()
    appointment = appointment_for(customer)
    ticket = ticket_open(client=customer, appointment=appointment)
    ticket_add_line(ticket=ticket, item=service_item("80.00"))
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the point is what stays
        ticket_close(ticket=ticket)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_close_leaves_a_cancelled_appointment_cancelled():  # R48
    ticket, appointment, _reservation = paid_visit_ticket()
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save(update_fields=["status"])
    ticket_close(ticket=ticket)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_void_after_close_leaves_the_visit_as_it_is(manager):  # R48
    ticket, appointment, reservation = paid_visit_ticket()
    ticket_close(ticket=ticket)
    ticket_void(ticket=ticket, user=manager, reason="refund")
    assert_visit_completed(appointment, reservation)


def test_api_close_completes_the_visit(front_desk_api):  # R48
    ticket, appointment, reservation = paid_visit_ticket()
    response = front_desk_api.post(f"/api/v1/tickets/{ticket.pk}/close/")
    assert response.status_code == 200, response.content
    assert_visit_completed(appointment, reservation)


def test_api_close_replayed_with_its_key_completes_once(front_desk_api):  # R48, R13
    ticket, appointment, reservation = paid_visit_ticket()
    headers = {"HTTP_IDEMPOTENCY_KEY": "close-visit-1"}
    first = front_desk_api.post(f"/api/v1/tickets/{ticket.pk}/close/", **headers)
    again = front_desk_api.post(f"/api/v1/tickets/{ticket.pk}/close/", **headers)
    assert (first.status_code, again.status_code) == (200, 200)
    # The replay is the stored answer: the same JSON (PostgreSQL's jsonb keeps no key order).
    assert first.json() == again.json()
    assert_visit_completed(appointment, reservation)


def test_admin_close_completes_the_visit(front_desk):  # R48
    ticket, appointment, reservation = paid_visit_ticket()
    browser = BrowserClient()
    browser.force_login(front_desk)
    url = f"/admin/tickets/ticket/{ticket.pk}/change/"
    page = browser.get(url)
    data = as_submitted(page)
    data["_close_ticket"] = "Save and close ticket"
    response = browser.post(url, data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert [line.net_amount for line in ticket.lines.all()] == [
        Decimal("100.00"),  # the appointment's service (R48)
        Decimal("20.00"),  # the reserved product (R48)
        Decimal("80.00"),
    ]
    assert_visit_completed(appointment, reservation)
