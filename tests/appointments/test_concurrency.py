"""R42 under concurrent requests (PostgreSQL only: SQLite serialises writers, so it can't
show the race): the staff row lock makes two bookings of one stylist check in turn."""

from datetime import time as clock
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from appointments.booking import appointment_book, appointment_reschedule
from appointments.errors import SlotUnavailable, StaffDoubleBooked
from appointments.models import Appointment
from catalog.models import ItemKind
from clients.models import ClientSource
from staff.selectors import local_moment
from staff.services import Range, staff_hours_set
from tests.appointments.factories import AppointmentFactory
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.concurrency import run_together
from tests.staff.factories import StaffFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")


def tomorrow_at(hour: int):
    return local_moment(timezone.localdate() + timedelta(days=1), clock(hour))


def test_two_desks_booking_one_stylist_at_once_one_is_refused():
    sam = StaffFactory(name="Sam")
    haircut = ItemFactory(kind=ItemKind.SERVICE, duration_minutes=60)
    first, second = ClientFactory(), ClientFactory()
    outcomes = run_together(
        lambda: appointment_book(client=first, item=haircut, start=tomorrow_at(10), staff=sam),
        lambda: appointment_book(client=second, item=haircut, start=tomorrow_at(10), staff=sam),
    )
    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "Appointment",
        "StaffDoubleBooked",
    ]
    assert isinstance(next(o for o in outcomes if isinstance(o, Exception)), StaffDoubleBooked)
    assert Appointment.objects.filter(staff=sam).count() == 1


def test_two_app_clients_taking_the_last_slot_one_is_refused():
    sam = StaffFactory(name="Sam")
    day = timezone.localdate() + timedelta(days=1)
    staff_hours_set(staff=sam, ranges=[Range(day.weekday(), clock(10), clock(11))])
    haircut = ItemFactory(kind=ItemKind.SERVICE, duration_minutes=60)
    outcomes = run_together(
        *(
            lambda client=client: appointment_book(
                client=client, item=haircut, start=tomorrow_at(10), source=ClientSource.APP
            )
            for client in (ClientFactory(), ClientFactory())
        )
    )
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], SlotUnavailable)
    assert Appointment.objects.filter(staff=sam).count() == 1


def test_a_reschedule_and_a_booking_into_the_same_time_one_is_refused():
    sam = StaffFactory(name="Sam")
    haircut = ItemFactory(kind=ItemKind.SERVICE, duration_minutes=60)
    moving = AppointmentFactory(item=haircut, staff=sam, start=tomorrow_at(8))
    outcomes = run_together(
        lambda: appointment_reschedule(appointment=moving, start=tomorrow_at(10)),
        lambda: appointment_book(
            client=ClientFactory(), item=haircut, start=tomorrow_at(10), staff=sam
        ),
    )
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], StaffDoubleBooked)
