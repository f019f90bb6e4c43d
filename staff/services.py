"""Writes for staff, their weekly hours and dated exceptions (R41, R42)."""

from dataclasses import dataclass
from datetime import date, time
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction

from staff import errors
from staff.models import ScheduleException, Staff, WorkingHours, color_validator

EDITABLE_FIELDS = ("name", "active", "color", "user")


@dataclass(frozen=True)
class Range:
    """One working range of a weekday (or of a date, for exceptions), local time."""

    weekday: int
    start: time
    end: time


def _name(value) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise errors.StaffNameMissing(field="name")
    return name


def _check_name_free(name: str, *, staff_id: int | None) -> None:
    if Staff.objects.filter(name__iexact=name).exclude(pk=staff_id).exists():
        raise errors.StaffNameTaken()


def _check_color(color: str) -> None:
    try:
        color_validator(color)
    except ValidationError as error:
        raise errors.StaffColorInvalid() from error


def _check_login(login, *, staff_id: int | None) -> None:
    if login is None:
        return
    if not (login.is_staff and login.is_active):
        raise errors.StaffLoginInvalid()
    if Staff.objects.filter(user=login).exclude(pk=staff_id).exists():
        raise errors.StaffLoginTaken()


def _validate_and_save(staff: Staff) -> Staff:
    staff.name = _name(staff.name)
    _check_name_free(staff.name, staff_id=staff.pk)
    _check_color(staff.color)
    _check_login(staff.user, staff_id=staff.pk)
    staff.full_clean()
    staff.save()
    return staff


@transaction.atomic
def staff_create(*, name: str, active: bool = True, color: str | None = None, login=None) -> Staff:
    """Add a staff member (R41). `login` is the staff user they sign in with, if any."""
    staff = Staff(name=name, active=active, user=login)
    if color:
        staff.color = color
    return _validate_and_save(staff)


@transaction.atomic
def staff_update(*, staff: Staff, changes: dict) -> Staff:
    """Change a staff member's name, active flag, colour or login (R41). Deactivating keeps
    their appointments; they just can't be booked again (R42)."""
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    for field, value in changes.items():
        if field not in EDITABLE_FIELDS:
            raise ValueError(f"{field} is not an editable staff field")
        setattr(staff, field, value)
    return _validate_and_save(staff)


def ranges_check(ranges: list[Range]) -> list[Range]:
    """The rules a set of working ranges must keep (R42): a real weekday, end after start,
    no two ranges of one day overlapping. Pure, so admin formsets call it before saving.
    Returns the ranges sorted by day and start."""
    for given in ranges:
        if isinstance(given.weekday, bool) or given.weekday not in range(7):
            raise errors.HoursInvalidWeekday()
        if given.end <= given.start:
            raise errors.HoursEndNotAfterStart()
    ordered = sorted(ranges, key=lambda given: (given.weekday, given.start))
    for earlier, later in pairwise(ordered):
        if earlier.weekday == later.weekday and later.start < earlier.end:
            raise errors.HoursOverlap()
    return ordered


@transaction.atomic
def staff_hours_set(*, staff: Staff, ranges: list[Range]) -> list[WorkingHours]:
    """Replace the staff member's whole week (R42: PUT …/hours/)."""
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    ordered = ranges_check(ranges)
    WorkingHours.objects.filter(staff=staff).delete()
    return WorkingHours.objects.bulk_create(
        WorkingHours(staff=staff, weekday=given.weekday, start=given.start, end=given.end)
        for given in ordered
    )


def exceptions_check(exceptions: list[tuple[date, time | None, time | None]]) -> None:
    """The rules dated exceptions keep together (R42): both times or none; end after start;
    on one date either one day off or non-overlapping hours. Pure (admin formsets use it)."""
    by_date: dict[date, list[tuple[time | None, time | None]]] = {}
    for day, start, end in exceptions:
        if (start is None) != (end is None):
            raise errors.ExceptionTimesIncomplete()
        if start is not None and end <= start:
            raise errors.HoursEndNotAfterStart()
        by_date.setdefault(day, []).append((start, end))
    for times in by_date.values():
        if len(times) > 1 and any(start is None for start, _ in times):
            raise errors.ExceptionConflict()
        ordered = sorted(times)
        for (_, earlier_end), (later_start, _) in pairwise(ordered):
            if later_start < earlier_end:
                raise errors.ExceptionConflict()


@transaction.atomic
def staff_exception_add(
    *, staff: Staff, date: date, start: time | None = None, end: time | None = None
) -> ScheduleException:
    """A day off (no times) or that date's only hours (R42); a date may hold several ranges."""
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    same_day = [
        (row.date, row.start, row.end)
        for row in ScheduleException.objects.filter(staff=staff, date=date)
    ]
    exceptions_check([*same_day, (date, start, end)])
    exception = ScheduleException(staff=staff, date=date, start=start, end=end)
    exception.full_clean()
    exception.save()
    return exception


@transaction.atomic
def staff_exception_delete(*, exception: ScheduleException) -> None:
    """The date goes back to the usual week (or to its other ranges)."""
    ScheduleException.objects.filter(pk=exception.pk).delete()
