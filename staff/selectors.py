"""Reads for staff and their schedules (R41, R42)."""

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from staff.models import ScheduleException, Staff, WorkingHours

Period = tuple[datetime, datetime]


def staff_list(*, active: bool | None = None) -> QuerySet[Staff]:
    queryset = Staff.objects.order_by("name", "id")
    if active is not None:
        queryset = queryset.filter(active=active)
    return queryset


def staff_hours(*, staff: Staff) -> QuerySet[WorkingHours]:
    return WorkingHours.objects.filter(staff=staff).order_by("weekday", "start")


def staff_exceptions(*, staff: Staff) -> QuerySet[ScheduleException]:
    return ScheduleException.objects.filter(staff=staff).order_by("date", "start")


def salon_keeps_schedules() -> bool:
    """R42: the salon keeps schedules when some active staff member has weekly hours."""
    return WorkingHours.objects.filter(staff__active=True).exists()


def local_moment(day: date, at: time) -> datetime:
    """`day` at the wall-clock time `at` in the salon's zone (TIME_ZONE), built with zoneinfo
    so the offset is that day's (DST-safe)."""
    return datetime.combine(day, at, tzinfo=timezone.get_default_timezone())


def working_periods(*, day: date, staff_ids: list[int]) -> dict[int, list[Period]]:
    """Each staff member's working periods on the salon day `day` (R42): the dated exceptions
    for that date when there are any (none of them timed: a day off), else the weekly hours
    of that weekday. Two queries whatever the number of staff."""
    exceptions: dict[int, list[ScheduleException]] = {}
    for row in ScheduleException.objects.filter(date=day, staff_id__in=staff_ids):
        exceptions.setdefault(row.staff_id, []).append(row)
    weekly: dict[int, list[WorkingHours]] = {}
    for row in WorkingHours.objects.filter(weekday=day.weekday(), staff_id__in=staff_ids):
        weekly.setdefault(row.staff_id, []).append(row)
    periods = {}
    for staff_id in staff_ids:
        rows = exceptions.get(staff_id, weekly.get(staff_id, []))
        periods[staff_id] = sorted(
            (local_moment(day, row.start), local_moment(day, row.end))
            for row in rows
            if row.start is not None
        )
    return periods
