"""The day sheet, the desk's home page (issue #14): the day's appointments by staff column
in 15-minute rows, with each one's confirmation state and open ticket.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from appointments.selectors import appointments_list, with_confirmation_texted
from messaging.models import OptOut
from staff.selectors import staff_list, working_periods
from tickets.models import Ticket, TicketStatus

SLOT_MINUTES = 15
# The sheet shows at least these salon hours, and stretches to fit earlier or later bookings.
DAY_SHEET_OPENS, DAY_SHEET_CLOSES = 8, 20
UNASSIGNED = "Unassigned"
# Appointments whose confirmation text still matters (R38); later states speak for themselves.
AWAITING_VISIT = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)


@dataclass(frozen=True)
class SheetBlock:
    """One appointment on the day sheet: where it sits (15-minute rows counted from the
    sheet's first row, and a lane when it overlaps another of the same column) and what
    the desk reads on it."""

    appointment: Appointment
    row: int
    rows: int
    lane: int
    lanes: int
    confirmation: str
    open_ticket_id: int | None

    @property
    def end(self) -> datetime:
        return self.appointment.start + timedelta(minutes=self.appointment.duration_minutes)


@dataclass(frozen=True)
class SheetColumn:
    name: str
    blocks: list[SheetBlock]
    # A staff member's column when the salon keeps schedules: the hours off are shaded,
    # the working hours (first row, rows) left clear.
    shaded: bool = False
    working: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class DaySheet:
    day: date
    previous_day: date
    next_day: date
    slots: list[datetime]
    columns: list[SheetColumn]
    appointments_count: int
    cancelled_count: int


def confirmation_state(appointment: Appointment, *, texted: bool, opted_out: bool) -> str:
    """What the desk needs to know before calling (R38), in its words."""
    if appointment.status == AppointmentStatus.CONFIRMED:
        # Confirmed without a text: the desk marked it, and the status already says so.
        return "Confirmed by reply" if texted else ""
    if appointment.status != AppointmentStatus.BOOKED:
        return ""
    if opted_out:
        return "Opted out of texts"
    if texted:
        return "Texted, no reply yet"
    if not appointment.client.sms_consent:
        return "No text consent"
    return "Not texted yet"


def _lanes(blocks: list[dict]) -> None:
    """Side-by-side lanes for overlapping blocks of one column (a double book stays
    visible): each block takes the first free lane; a cluster of overlapping blocks
    shares its lane count."""
    cluster: list[dict] = []
    cluster_end = -1
    lane_ends: list[int] = []

    def close_cluster():
        for member in cluster:
            member["lanes"] = len(lane_ends)

    for block in blocks:
        if block["row"] >= cluster_end and cluster:
            close_cluster()
            cluster, lane_ends = [], []
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= block["row"]:
                lane_ends[lane] = block["row"] + block["rows"]
                block["lane"] = lane
                break
        else:
            block["lane"] = len(lane_ends)
            lane_ends.append(block["row"] + block["rows"])
        cluster.append(block)
        cluster_end = max(cluster_end, block["row"] + block["rows"])
    close_cluster()


def _minute_of_day(local: datetime) -> int:
    return local.hour * 60 + local.minute


def day_sheet_appointments(*, day: date) -> QuerySet[Appointment]:
    """The day's appointments, cancelled ones left out, in one query: client, service,
    whether the confirmation text went out, whether the client's number opted out, and
    the ticket open for it."""
    open_ticket = Ticket.objects.filter(
        appointment_id=OuterRef("pk"), status=TicketStatus.OPEN
    ).order_by("id")
    return (
        with_confirmation_texted(appointments_list(day=day))
        .exclude(status=AppointmentStatus.CANCELLED)
        .annotate(
            opted_out=Exists(OptOut.objects.filter(phone=OuterRef("client__phone"))),
            open_ticket_id=Subquery(open_ticket.values("id")[:1]),
        )
    )


def day_sheet(*, day: date | None = None) -> DaySheet:
    """The desk's day (issue #14): one column per active staff member working that day or
    with appointments on it, by name (bookings without one in "Unassigned"), 15-minute rows
    in the salon's zone, working hours shaded. Five queries whatever the size of the day:
    the appointments, the active staff, their hours and exceptions, the cancelled count."""
    day = day or timezone.localdate()
    zone = timezone.get_default_timezone()
    appointments = list(day_sheet_appointments(day=day))
    members = list(staff_list(active=True))
    periods = working_periods(day=day, staff_ids=[member.pk for member in members])
    working = {
        member.name: [
            (_minute_of_day(start), _minute_of_day(end) or 24 * 60)
            for start, end in periods[member.pk]
        ]
        for member in members
        if periods[member.pk]
    }
    # Minutes past the salon's local midnight: rows follow the wall clock, DST days too.
    starts = {
        appointment.pk: _minute_of_day(timezone.localtime(appointment.start, zone))
        for appointment in appointments
    }
    first_minute = DAY_SHEET_OPENS * 60
    last_minute = DAY_SHEET_CLOSES * 60
    for appointment in appointments:
        start = starts[appointment.pk]
        first_minute = min(first_minute, start - start % SLOT_MINUTES)
        last_minute = max(last_minute, start + appointment.duration_minutes)
    for ranges in working.values():
        for start, end in ranges:
            first_minute = min(first_minute, start - start % SLOT_MINUTES)
            last_minute = max(last_minute, end)
    last_minute = min(last_minute, 24 * 60)
    by_column: dict[str, list[dict]] = {name: [] for name in working}
    for appointment in appointments:
        start = starts[appointment.pk]
        row = (start - first_minute) // SLOT_MINUTES
        end_row = -(-(start + appointment.duration_minutes - first_minute) // SLOT_MINUTES)
        column = appointment.staff.name if appointment.staff else UNASSIGNED
        by_column.setdefault(column, []).append(
            {"appointment": appointment, "row": row, "rows": max(1, end_row - row)}
        )
    columns = []
    names = sorted(name for name in by_column if name != UNASSIGNED)
    if UNASSIGNED in by_column or not names:
        names.append(UNASSIGNED)
    for name in names:
        blocks = by_column.get(name, [])
        _lanes(blocks)
        columns.append(
            SheetColumn(
                name=name,
                blocks=[
                    SheetBlock(
                        confirmation=confirmation_state(
                            block["appointment"],
                            texted=block["appointment"].confirmation_texted,
                            opted_out=block["appointment"].opted_out,
                        ),
                        open_ticket_id=block["appointment"].open_ticket_id,
                        **block,
                    )
                    for block in blocks
                ],
                shaded=bool(working) and name != UNASSIGNED,
                working=[
                    (
                        (start - first_minute) // SLOT_MINUTES,
                        max(1, -(-(end - start) // SLOT_MINUTES)),
                    )
                    for start, end in working.get(name, [])
                ],
            )
        )
    slots = [
        timezone.make_aware(datetime.combine(day, time(minute // 60, minute % 60)), zone)
        for minute in range(first_minute, last_minute, SLOT_MINUTES)
    ]
    return DaySheet(
        day=day,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        slots=slots,
        columns=columns,
        appointments_count=len(appointments),
        cancelled_count=appointments_list(day=day)
        .filter(status=AppointmentStatus.CANCELLED)
        .count(),
    )
