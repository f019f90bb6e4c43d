"""Product reservations (R36) and the merge seam (R17); the close completing the visit is
tested with the close (tests/tickets/test_close_completes_visit.py, R48)."""

import pytest

from appointments.booking import reservation_create
from appointments.models import ProductReservation, ReservationStatus
from appointments.services import reservation_cancel
from catalog.models import ItemKind
from clients.merge import client_merge
from clients.models import ClientSource
from salon.errors import DomainError
from tests.appointments.factories import AppointmentFactory, ProductReservationFactory
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.messaging.factories import OutboundMessageFactory

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
