"""Where a staff member's time goes (R42): who is working when, which appointments occupy
them, and the free 15-minute starts of a salon day.

Reads are fetched in a constant number of queries (working periods: two; appointments:
one), then the free starts are computed by pure functions a test can call without a
database. Times are aware datetimes; durations are added in UTC so a DST change in the
middle of an appointment doesn't stretch or shrink it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from appointments.errors import SlotUnavailable, StaffDoubleBooked, WrongItemKind
from appointments.models import Appointment, AppointmentStatus
from catalog.errors import ItemInactive
from catalog.models import MAX_DURATION_MINUTES, Item, ItemKind
from staff.errors import StaffInactive
from staff.models import Staff
from staff.selectors import Period, local_moment, working_periods

SLOT_MINUTES = 15
# A non-cancelled appointment occupies its staff member (R42); completed and no-show ones
# are over, so they no longer hold the time.
OCCUPYING = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED, AppointmentStatus.ARRIVED)


@dataclass(frozen=True)
class Slot:
    """A start the salon can offer (R42): `staff` is free for the whole duration."""

    start: datetime
    staff: Staff


def end_of(start: datetime, minutes: int) -> datetime:
    return start.astimezone(UTC) + timedelta(minutes=minutes)


def salon_day_of(moment: datetime) -> date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def when_text(moment: datetime) -> str:
    """ "Wed Mar 11 at 11:00 AM", in the salon's time zone (what people read)."""
    when = timezone.localtime(moment, timezone.get_default_timezone())
    return f"{when:%a %b} {when.day} at {when.hour % 12 or 12}:{when:%M %p}"


def occupying_appointments(
    *, staff_ids: list[int], since: datetime, until: datetime, exclude_id: int | None = None
) -> dict[int, list[Appointment]]:
    """The appointments occupying each staff member at some moment of [since, until), in one
    query (with client and item, for the message that names one)."""
    rows = (
        Appointment.objects.filter(
            staff_id__in=staff_ids,
            status__in=OCCUPYING,
            start__lt=until,
            start__gt=since - timedelta(minutes=MAX_DURATION_MINUTES),
        )
        .exclude(pk=exclude_id)
        .select_related("client", "item")
        .order_by("start", "pk")
    )
    found: dict[int, list[Appointment]] = {staff_id: [] for staff_id in staff_ids}
    for row in rows:
        if end_of(row.start, row.duration_minutes) > since:
            found[row.staff_id].append(row)
    return found


def first_overlap(
    appointments: list[Appointment], start: datetime, minutes: int
) -> Appointment | None:
    end = end_of(start, minutes)
    for other in appointments:
        if other.start < end and end_of(other.start, other.duration_minutes) > start:
            return other
    return None


def double_booked_error(staff: Staff, other: Appointment) -> StaffDoubleBooked:
    return StaffDoubleBooked(
        f"{staff.name} already has {other.client}'s {other.item.name} "
        f"on {when_text(other.start)} (until "
        f"{when_text(end_of(other.start, other.duration_minutes)).split(' at ')[1]}). "
        "Choose another time or staff member, or book anyway to double-book on purpose."
    )


def grid_starts(period: Period, minutes: int) -> list[datetime]:
    """The 15-minute wall-clock starts of `period` (local :00, :15, :30, :45) at which an
    appointment of `minutes` ends inside it. Pure."""
    period_start, period_end = period
    step = timedelta(minutes=SLOT_MINUTES)
    first = period_start.replace(
        minute=period_start.minute // SLOT_MINUTES * SLOT_MINUTES, second=0, microsecond=0
    )
    if first < period_start:
        first += step
    starts, moment = [], first.astimezone(UTC)
    while end_of(moment, minutes) <= period_end:
        starts.append(moment)
        moment += step
    return starts


def free_starts(
    *,
    periods: list[Period],
    appointments: list[Appointment],
    minutes: int,
    now: datetime,
) -> list[datetime]:
    """R42: the listed starts of one staff member — on the grid of a working period, not in
    the past, free for the whole duration. Pure."""
    return [
        start
        for period in periods
        for start in grid_starts(period, minutes)
        if start > now and first_overlap(appointments, start, minutes) is None
    ]


def _day_window(day: date) -> tuple[datetime, datetime]:
    return local_moment(day, time.min), local_moment(day + timedelta(days=1), time.min)


def item_check(item: Item, *, kind: str, noun: str) -> None:
    """What a booking, a reservation and the free slots take: an item of that kind, still
    offered (R42)."""
    if item.kind != kind:
        raise WrongItemKind(
            f"Choose a {noun}: “{item}” is a {item.get_kind_display()}.", field="item"
        )
    if not item.active:
        raise ItemInactive(f"“{item}” is no longer offered.", field="item")


def availability(
    *, item: Item, day: date, staff: Staff | None = None, now: datetime | None = None
) -> list[Slot]:
    """GET /api/v1/availability/ (R42): every 15-minute start of the salon day `day` at
    which an active, working staff member is free for the item's whole duration, by start
    then staff name. Four queries whatever the number of staff."""
    now = now or timezone.now()
    item_check(item, kind=ItemKind.SERVICE, noun="service")
    if staff is not None:
        members = [staff] if staff.active else []
    else:
        members = list(Staff.objects.filter(active=True).order_by("name", "id"))
    if not members:
        return []
    staff_ids = [member.pk for member in members]
    periods = working_periods(day=day, staff_ids=staff_ids)
    since, until = _day_window(day)
    busy = occupying_appointments(
        staff_ids=staff_ids, since=since, until=until + timedelta(minutes=item.duration_minutes)
    )
    slots = [
        Slot(start=start, staff=member)
        for member in members
        for start in free_starts(
            periods=periods[member.pk],
            appointments=busy[member.pk],
            minutes=item.duration_minutes,
            now=now,
        )
    ]
    order = {member.pk: position for position, member in enumerate(members)}
    return sorted(slots, key=lambda slot: (slot.start, order[slot.staff.pk]))


def staff_lock(staff_ids: list[int]) -> list[Staff]:
    """Lock the staff rows (pk order) a booking may occupy, so two bookings of one staff
    member check for overlaps one after the other."""
    return list(Staff.objects.select_for_update().filter(pk__in=staff_ids).order_by("pk"))


def staff_active_check(staff: Staff) -> None:
    if not staff.active:
        raise StaffInactive(f"{staff.name} no longer takes appointments.")


def staff_time_check(
    *,
    staff: Staff,
    start: datetime,
    minutes: int,
    allow_overlap: bool,
    exclude_id: int | None = None,
) -> None:
    """Staff bookings (R42): refuse overlapping appointments of one staff member unless the
    desk says it is on purpose. Call after staff_lock."""
    staff_active_check(staff)
    if allow_overlap:
        return
    busy = occupying_appointments(
        staff_ids=[staff.pk], since=start, until=end_of(start, minutes), exclude_id=exclude_id
    )
    other = first_overlap(busy[staff.pk], start, minutes)
    if other is not None:
        raise double_booked_error(staff, other)


def slot_staff(
    *,
    start: datetime,
    minutes: int,
    staff: Staff | None,
    now: datetime,
    exclude_id: int | None = None,
) -> Staff:
    """App and online bookings in a salon that keeps schedules (R42): `start` must be a
    listed start of the given staff member, else of some active staff member, the first by
    name being assigned. Locks the candidates first."""
    if staff is not None:
        staff_active_check(staff)
        candidates = staff_lock([staff.pk])
    else:
        candidates = staff_lock(
            list(Staff.objects.filter(active=True).values_list("pk", flat=True))
        )
    candidates.sort(key=lambda member: (member.name, member.pk))
    staff_ids = [member.pk for member in candidates]
    day = salon_day_of(start)
    periods = working_periods(day=day, staff_ids=staff_ids)
    busy = occupying_appointments(
        staff_ids=staff_ids, since=start, until=end_of(start, minutes), exclude_id=exclude_id
    )
    for member in candidates:
        listed = free_starts(
            periods=periods[member.pk], appointments=busy[member.pk], minutes=minutes, now=now
        )
        if start in listed:
            return member
    raise SlotUnavailable()
