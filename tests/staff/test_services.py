"""Staff and their schedules (R41, R42) at the service level."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from staff import errors
from staff.models import ScheduleException, Staff, WorkingHours
from staff.selectors import salon_keeps_schedules, working_periods
from staff.services import (
    Range,
    staff_create,
    staff_exception_add,
    staff_exception_delete,
    staff_hours_set,
    staff_update,
)
from tests.accounts.factories import FrontDeskFactory, UserFactory
from tests.staff.factories import StaffFactory

pytestmark = pytest.mark.django_db
SALON = ZoneInfo("America/New_York")
MONDAY = date(2026, 3, 9)


def test_r41_create_trims_the_name_and_keeps_colour_and_login():
    login = FrontDeskFactory()
    sam = staff_create(name="  Sam   Lee ", color="#aa3355", login=login)
    sam.refresh_from_db()
    assert (sam.name, sam.active, sam.color, sam.user) == ("Sam Lee", True, "#aa3355", login)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": "  "}, "staff_name_missing"),
        ({"name": "RITA"}, "staff_name_taken"),
        ({"color": "red"}, "staff_color_invalid"),
    ],
)
def test_r41_bad_staff_changes_are_refused_with_codes(changes, code):
    StaffFactory(name="Rita")
    sam = StaffFactory(name="Sam")
    with pytest.raises(errors.DomainError) as refused:
        staff_update(staff=sam, changes=changes)
    assert refused.value.code == code
    sam.refresh_from_db()
    assert (sam.name, sam.color) == ("Sam", "#4f7cac")


def test_r41_a_login_must_be_a_staff_user_and_belong_to_one_staff_member():
    with pytest.raises(errors.StaffLoginInvalid):
        staff_create(name="Sam", login=UserFactory())
    login = FrontDeskFactory()
    staff_create(name="Rita", login=login)
    with pytest.raises(errors.StaffLoginTaken):
        staff_create(name="Sam", login=login)
    assert list(Staff.objects.values_list("name", flat=True)) == ["Rita"]


def test_r42_hours_replace_the_whole_week():
    sam = StaffFactory(name="Sam")
    staff_hours_set(staff=sam, ranges=[Range(0, time(9), time(17))])
    staff_hours_set(
        staff=sam,
        ranges=[
            Range(2, time(13), time(17)),
            Range(2, time(9), time(12)),
            Range(5, time(10), time(14)),
        ],
    )
    assert list(WorkingHours.objects.values_list("weekday", "start", "end")) == [
        (2, time(9), time(12)),
        (2, time(13), time(17)),
        (5, time(10), time(14)),
    ]


@pytest.mark.parametrize(
    ("ranges", "code"),
    [
        ([Range(7, time(9), time(17))], "hours_invalid_weekday"),
        ([Range(-1, time(9), time(17))], "hours_invalid_weekday"),
        ([Range(0, time(17), time(17))], "hours_end_not_after_start"),
        ([Range(0, time(17), time(9))], "hours_end_not_after_start"),
        ([Range(0, time(9), time(13)), Range(0, time(12, 45), time(17))], "hours_overlap"),
    ],
)
def test_r42_bad_hours_are_refused_and_the_week_is_kept(ranges, code):
    sam = StaffFactory(name="Sam")
    staff_hours_set(staff=sam, ranges=[Range(0, time(9), time(17))])
    with pytest.raises(errors.DomainError) as refused:
        staff_hours_set(staff=sam, ranges=ranges)
    assert refused.value.code == code
    assert list(WorkingHours.objects.values_list("weekday", "start", "end")) == [
        (0, time(9), time(17))
    ]


def test_r42_ranges_that_touch_do_not_overlap():
    sam = StaffFactory(name="Sam")
    staff_hours_set(staff=sam, ranges=[Range(0, time(9), time(12)), Range(0, time(12), time(17))])
    assert WorkingHours.objects.count() == 2


def test_r42_exceptions_day_off_or_that_days_only_hours():
    sam = StaffFactory(name="Sam")
    staff_hours_set(staff=sam, ranges=[Range(0, time(9), time(17))])
    rita = StaffFactory(name="Rita")
    staff_hours_set(staff=rita, ranges=[Range(0, time(10), time(18))])
    staff_exception_add(staff=sam, date=MONDAY)  # a day off
    staff_exception_add(staff=rita, date=MONDAY, start=time(12), end=time(14))
    staff_exception_add(staff=rita, date=MONDAY, start=time(15), end=time(16))
    periods = working_periods(day=MONDAY, staff_ids=[sam.pk, rita.pk])
    assert periods[sam.pk] == []
    assert periods[rita.pk] == [
        (datetime(2026, 3, 9, 12, tzinfo=SALON), datetime(2026, 3, 9, 14, tzinfo=SALON)),
        (datetime(2026, 3, 9, 15, tzinfo=SALON), datetime(2026, 3, 9, 16, tzinfo=SALON)),
    ]
    next_monday = working_periods(day=date(2026, 3, 16), staff_ids=[sam.pk])
    assert next_monday[sam.pk] == [
        (datetime(2026, 3, 16, 9, tzinfo=SALON), datetime(2026, 3, 16, 17, tzinfo=SALON))
    ]


def test_r42_working_periods_keep_local_hours_across_dst():
    sam = StaffFactory(name="Sam")
    staff_hours_set(staff=sam, ranges=[Range(6, time(9), time(17))])
    # Sunday 8 March 2026: clocks go forward at 02:00; 09:00 local is 13:00 UTC (not 14:00).
    ((start, end),) = working_periods(day=date(2026, 3, 8), staff_ids=[sam.pk])[sam.pk]
    assert (start.utcoffset().total_seconds(), start.hour, end.hour) == (-4 * 3600, 9, 17)


@pytest.mark.parametrize(
    ("existing", "new", "code"),
    [
        ([], (time(9), None), "exception_times_incomplete"),
        ([], (time(12), time(9)), "hours_end_not_after_start"),
        ([(None, None)], (time(9), time(12)), "exception_conflict"),
        ([(time(9), time(12))], (None, None), "exception_conflict"),
        ([(time(9), time(12))], (time(11), time(13)), "exception_conflict"),
    ],
)
def test_r42_bad_exceptions_are_refused(existing, new, code):
    sam = StaffFactory(name="Sam")
    for start, end in existing:
        ScheduleException.objects.create(staff=sam, date=MONDAY, start=start, end=end)
    with pytest.raises(errors.DomainError) as refused:
        staff_exception_add(staff=sam, date=MONDAY, start=new[0], end=new[1])
    assert refused.value.code == code
    assert ScheduleException.objects.count() == len(existing)


def test_r42_deleting_an_exception_restores_the_usual_day():
    sam = StaffFactory(name="Sam")
    staff_hours_set(staff=sam, ranges=[Range(0, time(9), time(17))])
    day_off = staff_exception_add(staff=sam, date=MONDAY)
    staff_exception_delete(exception=day_off)
    assert len(working_periods(day=MONDAY, staff_ids=[sam.pk])[sam.pk]) == 1


def test_r42_the_salon_keeps_schedules_when_an_active_staff_member_has_hours():
    assert salon_keeps_schedules() is False
    sam = StaffFactory(name="Sam", active=False)
    staff_hours_set(staff=sam, ranges=[Range(0, time(9), time(17))])
    assert salon_keeps_schedules() is False
    staff_update(staff=sam, changes={"active": True})
    assert salon_keeps_schedules() is True
