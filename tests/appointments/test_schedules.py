"""Booking rules of R42 at the service level: occupation, double booking, availability,
listed starts for the client's own bookings, rescheduling. Times are the salon's
(America/New_York); NOW is Tuesday 10 March 2026, 15:00."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from appointments import scheduling
from appointments.booking import appointment_book, appointment_reschedule
from appointments.errors import (
    AppointmentNotReschedulable,
    SlotUnavailable,
    StaffDoubleBooked,
)
from appointments.models import Appointment, AppointmentStatus
from catalog.models import ItemKind
from clients.models import ClientSource
from staff.errors import StaffInactive
from staff.models import ScheduleException
from staff.services import Range, staff_hours_set
from tests.appointments.factories import AppointmentFactory
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.staff.factories import StaffFactory

pytestmark = pytest.mark.django_db

SALON = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=SALON)
WEDNESDAY = date(2026, 3, 11)


def wed(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 11, hour, minute, tzinfo=SALON)


def starts(slots, staff=None):
    return [
        f"{slot.start.astimezone(SALON):%H:%M}"
        for slot in slots
        if staff is None or slot.staff == staff
    ]


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def haircut(db):
    return ItemFactory(name="Haircut", kind=ItemKind.SERVICE, duration_minutes=45)


@pytest.fixture
def sam(db):
    sam = StaffFactory(name="Sam")
    staff_hours_set(staff=sam, ranges=[Range(2, time(9), time(11))])  # Wednesdays 9-11
    return sam


@pytest.fixture
def ann(db):
    return ClientFactory(first_name="Ann", last_name="Lee")


def test_an_appointment_lasts_the_items_duration_unless_given(ann, haircut, sam):  # R35, R42
    assert appointment_book(client=ann, item=haircut, start=wed(9)).duration_minutes == 45
    given = appointment_book(client=ann, item=haircut, start=wed(13), duration_minutes=20)
    assert given.duration_minutes == 20


def test_overlap_of_one_staff_member_is_refused_naming_the_other(ann, haircut, sam):  # R42
    appointment_book(client=ann, item=haircut, start=wed(9, 30), staff=sam)  # 9:30-10:15
    with pytest.raises(StaffDoubleBooked) as refused:
        appointment_book(client=ClientFactory(), item=haircut, start=wed(10), staff=sam)
    assert refused.value.code == "staff_double_booked"
    assert refused.value.message.startswith(
        "Sam already has Ann Lee's Haircut on Wed Mar 11 at 9:30 AM (until 10:15 AM)."
    )
    assert Appointment.objects.count() == 1


def test_back_to_back_and_other_staff_are_not_overlaps(ann, haircut, sam):  # R42
    appointment_book(client=ann, item=haircut, start=wed(9, 30), staff=sam)
    appointment_book(client=ClientFactory(), item=haircut, start=wed(10, 15), staff=sam)
    appointment_book(client=ClientFactory(), item=haircut, start=wed(9, 45))  # nobody named
    rita = StaffFactory(name="Rita")
    appointment_book(client=ClientFactory(), item=haircut, start=wed(9, 45), staff=rita)
    assert Appointment.objects.count() == 4


def test_the_desk_may_double_book_on_purpose(ann, haircut, sam):  # R42
    appointment_book(client=ann, item=haircut, start=wed(9, 30), staff=sam)
    again = appointment_book(
        client=ClientFactory(), item=haircut, start=wed(9, 30), staff=sam, allow_overlap=True
    )
    assert again.staff == sam


@pytest.mark.parametrize(
    "status", [AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW, AppointmentStatus.COMPLETED]
)
def test_only_booked_confirmed_arrived_occupy(ann, haircut, sam, status):  # R42
    AppointmentFactory(
        staff=sam, item=haircut, start=wed(9, 30), duration_minutes=45, status=status
    )
    assert appointment_book(client=ann, item=haircut, start=wed(9, 30), staff=sam).pk


def test_an_inactive_staff_member_cannot_be_booked(ann, haircut):  # R42
    gone = StaffFactory(name="Gone", active=False)
    with pytest.raises(StaffInactive) as refused:
        appointment_book(client=ann, item=haircut, start=wed(9), staff=gone)
    assert refused.value.code == "staff_inactive"
    assert Appointment.objects.count() == 0


def test_availability_lists_free_15_minute_starts(haircut, sam):  # R42
    # Sam works 9-11; a 45-minute haircut can start 9:00 ... 10:15.
    assert starts(scheduling.availability(item=haircut, day=WEDNESDAY)) == [
        "09:00",
        "09:15",
        "09:30",
        "09:45",
        "10:00",
        "10:15",
    ]
    AppointmentFactory(staff=sam, item=haircut, start=wed(9, 30), duration_minutes=30)
    # busy 9:30-10:00: 9:00 would run into it; 10:00 is free again
    assert starts(scheduling.availability(item=haircut, day=WEDNESDAY)) == [
        "10:00",
        "10:15",
    ]


def test_availability_over_several_staff_by_start_then_name(haircut, sam):  # R42
    ada = StaffFactory(name="Ada")
    staff_hours_set(staff=ada, ranges=[Range(2, time(10, 10), time(11, 30))])
    StaffFactory(name="Off", active=False)
    slots = scheduling.availability(item=haircut, day=WEDNESDAY)
    assert [(f"{slot.start.astimezone(SALON):%H:%M}", slot.staff.name) for slot in slots][-5:] == [
        ("10:00", "Sam"),
        ("10:15", "Ada"),  # her hours start 10:10: the first start on the grid is 10:15
        ("10:15", "Sam"),
        ("10:30", "Ada"),
        ("10:45", "Ada"),
    ]
    assert starts(scheduling.availability(item=haircut, day=WEDNESDAY, staff=ada)) == [
        "10:15",
        "10:30",
        "10:45",
    ]


def test_availability_follows_dated_exceptions(haircut, sam):  # R42
    ScheduleException.objects.create(staff=sam, date=WEDNESDAY)
    assert scheduling.availability(item=haircut, day=WEDNESDAY) == []
    ScheduleException.objects.all().delete()
    ScheduleException.objects.create(staff=sam, date=WEDNESDAY, start=time(14), end=time(15))
    assert starts(scheduling.availability(item=haircut, day=WEDNESDAY)) == ["14:00", "14:15"]
    # a Thursday exception makes Sam work a day he usually doesn't
    ScheduleException.objects.create(staff=sam, date=date(2026, 3, 12), start=time(8), end=time(9))
    assert starts(scheduling.availability(item=haircut, day=date(2026, 3, 12))) == [
        "08:00",
        "08:15",
    ]


def test_availability_never_lists_the_past(haircut, sam, time_machine):  # R42
    time_machine.move_to(wed(9, 40), tick=False)
    assert starts(scheduling.availability(item=haircut, day=WEDNESDAY)) == [
        "09:45",
        "10:00",
        "10:15",
    ]


def test_availability_sees_an_appointment_from_the_day_before(haircut, sam):  # R42
    # A late Tuesday appointment that runs past midnight still occupies Sam on Wednesday.
    staff_hours_set(staff=sam, ranges=[Range(2, time(0), time(2))])
    AppointmentFactory(
        staff=sam,
        item=haircut,
        start=datetime(2026, 3, 10, 23, 30, tzinfo=SALON),
        duration_minutes=60,
    )
    assert starts(scheduling.availability(item=haircut, day=WEDNESDAY)) == [
        "00:30",
        "00:45",
        "01:00",
        "01:15",
    ]


def test_availability_on_the_dst_change_keeps_local_hours(haircut, time_machine):  # R42
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=SALON), tick=False)
    early = StaffFactory(name="Early")
    staff_hours_set(staff=early, ranges=[Range(6, time(1), time(4))])
    # Sunday 8 March 2026: 02:00-03:00 doesn't exist, so 01:00-04:00 local is 2 real hours;
    # a 45-minute haircut starts every 15 real minutes and ends by 04:00 EDT.
    slots = scheduling.availability(item=haircut, day=date(2026, 3, 8))
    assert [slot.start.astimezone(SALON).strftime("%H:%M %Z") for slot in slots] == [
        "01:00 EST",
        "01:15 EST",
        "01:30 EST",
        "01:45 EST",
        "03:00 EDT",
        "03:15 EDT",
    ]


def test_availability_for_twenty_staff_runs_constant_queries(
    haircut, django_assert_num_queries
):  # R42, §12
    for number in range(20):
        member = StaffFactory(name=f"Stylist {number:02}")
        staff_hours_set(staff=member, ranges=[Range(2, time(9), time(17))])
        AppointmentFactory(staff=member, item=haircut, start=wed(12), duration_minutes=60)
    with django_assert_num_queries(4):
        slots = scheduling.availability(item=haircut, day=WEDNESDAY)
    # 9:00 ... 16:15 is 30 starts each; 11:30 ... 12:45 would run into the 12:00-13:00 one.
    assert len(slots) == 20 * (30 - 6)


def test_a_salon_with_schedules_books_app_clients_on_listed_starts(ann, haircut, sam):  # R42
    rita = StaffFactory(name="Rita")
    staff_hours_set(staff=rita, ranges=[Range(2, time(10), time(12))])
    with pytest.raises(SlotUnavailable) as refused:
        appointment_book(client=ann, item=haircut, start=wed(9, 10), source=ClientSource.APP)
    assert refused.value.code == "slot_unavailable"
    with pytest.raises(SlotUnavailable):  # Sam stops at 11
        appointment_book(
            client=ann, item=haircut, start=wed(10, 30), staff=sam, source=ClientSource.APP
        )
    # No staff named: the first free by name (Rita before Sam) is assigned.
    first = appointment_book(client=ann, item=haircut, start=wed(10), source=ClientSource.APP)
    assert first.staff == rita
    second = appointment_book(
        client=ClientFactory(), item=haircut, start=wed(10), source=ClientSource.ONLINE
    )
    assert second.staff == sam
    with pytest.raises(SlotUnavailable):  # both busy now
        appointment_book(
            client=ClientFactory(), item=haircut, start=wed(10), source=ClientSource.APP
        )
    assert Appointment.objects.count() == 2


def test_a_salon_without_schedules_books_app_clients_as_before(ann, haircut):  # R42
    appointment = appointment_book(
        client=ann, item=haircut, start=wed(9, 10), source=ClientSource.APP
    )
    assert appointment.staff is None


def test_an_app_booking_never_overlaps_nor_names_the_other_client(ann, haircut):  # R42
    rita = StaffFactory(name="Rita")  # no hours anywhere: the salon keeps no schedules
    appointment_book(client=ann, item=haircut, start=wed(9), staff=rita)
    with pytest.raises(SlotUnavailable) as refused:
        appointment_book(
            client=ClientFactory(),
            item=haircut,
            start=wed(9, 30),
            staff=rita,
            source=ClientSource.APP,
            allow_overlap=True,
        )
    assert "Ann" not in refused.value.message


def test_the_desk_books_outside_working_hours(ann, haircut, sam):  # R42: hours bind clients
    assert appointment_book(client=ann, item=haircut, start=wed(18), staff=sam).staff == sam


def test_reschedule_moves_and_asks_for_confirmation_again(ann, haircut, sam):  # R42, R38
    appointment = appointment_book(client=ann, item=haircut, start=wed(9), staff=sam)
    appointment.status = AppointmentStatus.CONFIRMED
    appointment.save()
    moved = appointment_reschedule(appointment=appointment, start=wed(10))
    assert (moved.start, moved.status, moved.confirmation_round) == (
        wed(10),
        AppointmentStatus.BOOKED,
        1,
    )


def test_reschedule_to_overlapping_time_is_refused_unless_on_purpose(ann, haircut, sam):  # R42
    appointment_book(
        client=ClientFactory(first_name="Bo", last_name="Ray"),
        item=haircut,
        start=wed(10),
        staff=sam,
    )
    mine = appointment_book(client=ann, item=haircut, start=wed(9), staff=sam)
    # moving within its own time doesn't clash with itself
    assert appointment_reschedule(appointment=mine, start=wed(9, 15)).start == wed(9, 15)
    with pytest.raises(StaffDoubleBooked) as refused:
        appointment_reschedule(appointment=mine, start=wed(9, 30))
    assert "Bo Ray's Haircut" in refused.value.message
    mine.refresh_from_db()
    assert mine.start == wed(9, 15)
    assert appointment_reschedule(
        appointment=mine, start=wed(9, 30), allow_overlap=True
    ).start == wed(9, 30)


def test_reschedule_to_another_staff_member(ann, haircut, sam):  # R42
    mine = appointment_book(client=ann, item=haircut, start=wed(9), staff=sam)
    with pytest.raises(StaffInactive):
        appointment_reschedule(appointment=mine, staff=StaffFactory(name="Gone", active=False))
    rita = StaffFactory(name="Rita")
    moved = appointment_reschedule(appointment=mine, staff=rita)
    assert (moved.staff, moved.start, moved.confirmation_round) == (rita, wed(9), 0)
    assert appointment_reschedule(appointment=moved, staff=None).staff is None


@pytest.mark.parametrize(
    "status", [AppointmentStatus.ARRIVED, AppointmentStatus.CANCELLED, AppointmentStatus.COMPLETED]
)
def test_only_booked_or_confirmed_appointments_move(ann, haircut, status):  # R42
    appointment = AppointmentFactory(item=haircut, start=wed(9), status=status)
    with pytest.raises(AppointmentNotReschedulable) as refused:
        appointment_reschedule(appointment=appointment, start=wed(11))
    assert refused.value.code == "appointment_not_reschedulable"


def test_reschedule_into_the_past_is_refused(ann, haircut):  # R42
    appointment = appointment_book(client=ann, item=haircut, start=wed(9))
    with pytest.raises(Exception) as refused:
        appointment_reschedule(appointment=appointment, start=NOW - timedelta(hours=1))
    assert refused.value.field == "start"
