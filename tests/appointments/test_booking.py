"""Booking appointments (R35), prebooked (R12) and status changes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from appointments.booking import appointment_book
from appointments.models import Appointment, AppointmentStatus
from appointments.services import (
    appointment_cancel,
    appointment_check_in,
    appointment_complete,
    appointment_confirm,
    appointment_no_show,
)
from catalog.models import ItemKind
from clients.models import ClientSource
from salon.errors import DomainError
from tests.appointments.factories import AppointmentFactory
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.feedback.factories import TicketRowFactory
from tests.staff.factories import StaffFactory
from tickets.models import TicketStatus

pytestmark = pytest.mark.django_db

SALON = ZoneInfo("America/New_York")
# 15:00 in the salon on a Tuesday (19:00 UTC).
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=SALON)


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A salon-local moment `day_offset` days from NOW's day."""
    day = NOW.date() + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SALON)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_booking_stores_the_appointment(customer, haircut, front_desk):  # R35
    dana = StaffFactory(name="Dana")
    appointment = appointment_book(
        client=customer,
        item=haircut,
        start=at(2, 10),
        staff=dana,
        duration_minutes=45,
        user=front_desk,
    )
    appointment.refresh_from_db()
    assert appointment.client == customer
    assert appointment.item == haircut
    assert appointment.start == at(2, 10)
    assert (appointment.staff, appointment.duration_minutes) == (dana, 45)
    assert appointment.source == ClientSource.FRONT_DESK
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.prebooked is False
    assert appointment.created_by == front_desk


def test_booked_for_a_later_day_at_checkout_is_prebooked(customer, haircut):  # R12
    TicketRowFactory(client=customer, status=TicketStatus.CLOSED, closed_at=at(0, 9))
    appointment = appointment_book(client=customer, item=haircut, start=at(28, 10))
    assert appointment.prebooked is True


def test_booked_while_the_ticket_is_still_open_is_prebooked(customer, haircut):  # R12
    TicketRowFactory(client=customer, status=TicketStatus.OPEN, closed_at=None)
    appointment = appointment_book(
        client=customer, item=haircut, start=at(1, 9), source=ClientSource.APP
    )
    assert (appointment.prebooked, appointment.source) == (True, ClientSource.APP)


def test_booked_for_later_today_is_not_prebooked(customer, haircut):  # R12
    TicketRowFactory(client=customer, closed_at=at(0, 9))
    assert appointment_book(client=customer, item=haircut, start=at(0, 18)).prebooked is False


@pytest.mark.parametrize(
    "ticket",
    [
        {"status": TicketStatus.CLOSED, "closed_at": at(-1, 23, 30)},  # yesterday, salon time
        {"status": TicketStatus.VOIDED, "closed_at": at(0, 9), "voided_at": at(0, 10)},
        {"status": TicketStatus.CLOSED, "closed_at": at(0, 9), "other_client": True},
    ],
    ids=["closed-yesterday-salon-time", "voided-today", "someone-elses-ticket"],
)
def test_no_ticket_today_means_not_prebooked(customer, haircut, ticket):  # R12
    owner = ClientFactory() if ticket.pop("other_client", False) else customer
    TicketRowFactory(client=owner, **ticket)
    assert appointment_book(client=customer, item=haircut, start=at(7, 10)).prebooked is False


def test_days_are_counted_in_the_salon_time_zone(customer, haircut, time_machine):  # R12
    # 22:30 in the salon is already tomorrow in UTC: the ticket is still "today".
    time_machine.move_to(at(0, 22, 30), tick=False)
    TicketRowFactory(client=customer, closed_at=at(0, 22))
    tomorrow_morning = at(1, 9)
    assert tomorrow_morning.astimezone(ZoneInfo("UTC")).date() == at(1, 0).date()
    assert appointment_book(client=customer, item=haircut, start=tomorrow_morning).prebooked


def test_no_tickets_no_prebooked_and_few_queries(customer, haircut, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        appointment = appointment_book(client=customer, item=haircut, start=at(3, 10))
    assert appointment.prebooked is False


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("start", {"start": NOW - timedelta(minutes=1)}),
        ("start", {"start": NOW}),
        ("start", {"start": datetime(2026, 3, 12, 10, 0)}),
        ("item", {"item": "product"}),
        ("item", {"item": "inactive"}),
        ("client", {"client": "tombstone"}),
        ("source", {"source": "telepathy"}),
        ("duration_minutes", {"duration_minutes": 0}),
        ("duration_minutes", {"duration_minutes": 24 * 60 + 1}),
        ("duration_minutes", {"duration_minutes": "60"}),
    ],
    ids=[
        "past",
        "now",
        "naive",
        "product",
        "inactive",
        "tombstone",
        "source",
        "zero",
        "too-long",
        "not-int",
    ],
)
def test_bad_booking_is_refused_and_nothing_is_stored(customer, haircut, field, changes):  # R35
    arguments = {"client": customer, "item": haircut, "start": at(2, 10)}
    if changes.get("item") == "product":
        changes["item"] = ItemFactory(kind=ItemKind.PRODUCT)
    elif changes.get("item") == "inactive":
        changes["item"] = ItemFactory(kind=ItemKind.SERVICE, active=False)
    if changes.get("client") == "tombstone":
        survivor = ClientFactory()
        changes["client"] = ClientFactory(merged_into=survivor)
    with pytest.raises(DomainError) as refused:
        appointment_book(**(arguments | changes))
    assert refused.value.field == field
    assert Appointment.objects.count() == 0


TRANSITIONS = [
    (appointment_confirm, AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED),
    (appointment_cancel, AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED),
    (appointment_cancel, AppointmentStatus.CONFIRMED, AppointmentStatus.CANCELLED),
    (appointment_check_in, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED),
    (appointment_check_in, AppointmentStatus.CONFIRMED, AppointmentStatus.ARRIVED),
    (appointment_complete, AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED),
    (appointment_complete, AppointmentStatus.COMPLETED, AppointmentStatus.COMPLETED),
]


@pytest.mark.parametrize(("action", "before", "after"), TRANSITIONS)
def test_valid_transitions(action, before, after):  # R35
    appointment = AppointmentFactory(status=before)
    assert action(appointment=appointment).status == after
    appointment.refresh_from_db()
    assert appointment.status == after


INVALID = [
    (appointment_confirm, AppointmentStatus.CONFIRMED),
    (appointment_confirm, AppointmentStatus.CANCELLED),
    (appointment_confirm, AppointmentStatus.ARRIVED),
    (appointment_cancel, AppointmentStatus.CANCELLED),
    (appointment_cancel, AppointmentStatus.ARRIVED),
    (appointment_cancel, AppointmentStatus.COMPLETED),
    (appointment_check_in, AppointmentStatus.ARRIVED),
    (appointment_check_in, AppointmentStatus.NO_SHOW),
    (appointment_complete, AppointmentStatus.CANCELLED),
    (appointment_no_show, AppointmentStatus.ARRIVED),
    (appointment_no_show, AppointmentStatus.COMPLETED),
]


@pytest.mark.parametrize(("action", "before"), INVALID)
def test_invalid_transitions_are_refused(action, before):  # R35
    appointment = AppointmentFactory(status=before, start=NOW - timedelta(hours=2))
    with pytest.raises(DomainError) as refused:
        action(appointment=appointment)
    assert refused.value.code == "status_change_refused"
    appointment.refresh_from_db()
    assert appointment.status == before


def test_no_show_only_after_the_start():  # R35
    appointment = AppointmentFactory(start=NOW + timedelta(minutes=5))
    with pytest.raises(DomainError):
        appointment_no_show(appointment=appointment)
    assert appointment_no_show(appointment=appointment, now=NOW + timedelta(minutes=20)).status == (
        AppointmentStatus.NO_SHOW
    )
    assert timezone.now() == NOW
