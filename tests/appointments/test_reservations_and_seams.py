"""Product reservations (R36) and the seams: a closing ticket, a client merge (R17)."""

import pytest
from django.utils import timezone

from appointments.models import AppointmentStatus, ProductReservation, ReservationStatus
from appointments.services import reservation_cancel, reservation_create
from catalog.models import ItemKind
from clients.models import ClientSource
from clients.services import client_merge
from salon.errors import DomainError
from tests.appointments.factories import AppointmentFactory, ProductReservationFactory
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.feedback.factories import TicketRowFactory
from tests.messaging.factories import OutboundMessageFactory
from tickets.models import TicketStatus

pytestmark = pytest.mark.django_db


def test_reservation_is_stored(customer, shampoo, front_desk):  # R36
    reservation = reservation_create(
        client=customer, item=shampoo, quantity=2, source=ClientSource.APP, user=front_desk
    )
    reservation.refresh_from_db()
    assert (reservation.client, reservation.item, reservation.quantity) == (customer, shampoo, 2)
    assert (reservation.source, reservation.status) == (ClientSource.APP, "reserved")
    assert reservation.created_by == front_desk


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("quantity", {"quantity": 0}),
        ("quantity", {"quantity": -3}),
        ("quantity", {"quantity": "2"}),
        ("item", {"item": "service"}),
        ("item", {"item": "inactive"}),
        ("client", {"client": "tombstone"}),
        ("source", {"source": "fax"}),
    ],
)
def test_bad_reservation_is_refused(customer, shampoo, field, changes):  # R36
    arguments = {"client": customer, "item": shampoo}
    if changes.get("item") == "service":
        changes["item"] = ItemFactory(kind=ItemKind.SERVICE)
    elif changes.get("item") == "inactive":
        changes["item"] = ItemFactory(kind=ItemKind.PRODUCT, active=False)
    if changes.get("client") == "tombstone":
        changes["client"] = ClientFactory(merged_into=ClientFactory())
    with pytest.raises(DomainError) as refused:
        reservation_create(**(arguments | changes))
    assert refused.value.field == field
    assert ProductReservation.objects.count() == 0


def test_cancel_a_reservation_once():  # R36
    reservation = ProductReservationFactory()
    assert reservation_cancel(reservation=reservation).status == ReservationStatus.CANCELLED
    with pytest.raises(DomainError):
        reservation_cancel(reservation=reservation)


def test_a_fulfilled_reservation_cant_be_cancelled():  # R36
    reservation = ProductReservationFactory(status=ReservationStatus.FULFILLED)
    with pytest.raises(DomainError):
        reservation_cancel(reservation=reservation)
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.FULFILLED


def test_closing_the_ticket_fulfils_its_reservation_and_completes_its_appointment():  # R36
    reservation = ProductReservationFactory()
    appointment = AppointmentFactory(client=reservation.client, status=AppointmentStatus.ARRIVED)
    ticket = TicketRowFactory(
        client=reservation.client,
        status=TicketStatus.OPEN,
        closed_at=None,
        reservation=reservation,
        appointment=appointment,
    )
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.RESERVED  # an open ticket fulfils nothing

    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = ticket.created_at
    ticket.save()
    ticket.save()  # saved again (e.g. an adjustment): nothing changes twice

    reservation.refresh_from_db()
    appointment.refresh_from_db()
    assert reservation.status == ReservationStatus.FULFILLED
    assert appointment.status == AppointmentStatus.COMPLETED


def test_closing_a_ticket_leaves_a_cancelled_appointment_cancelled():
    appointment = AppointmentFactory(status=AppointmentStatus.CANCELLED)
    TicketRowFactory(client=appointment.client, appointment=appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_raw_fixture_loads_are_ignored():
    reservation = ProductReservationFactory()
    ticket = TicketRowFactory.build(
        client=reservation.client, reservation=reservation, created_at=timezone.now()
    )
    ticket.save_base(raw=True)
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.RESERVED


def test_merge_moves_appointments_reservations_and_texts(manager):  # R17
    survivor, duplicate = ClientFactory(), ClientFactory()
    appointment = AppointmentFactory(client=duplicate)
    reservation = ProductReservationFactory(client=duplicate)
    message = OutboundMessageFactory(client=duplicate)
    kept = AppointmentFactory(client=survivor)

    client_merge(survivor=survivor, duplicate=duplicate, user=manager)

    for row in (appointment, reservation, message, kept):
        row.refresh_from_db()
        assert row.client_id == survivor.pk
