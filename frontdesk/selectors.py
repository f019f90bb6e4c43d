"""Reads that compose several apps: the Client Log (R28) and the admin dashboard.

Each source is read by one bounded query whatever the client's history (SPEC §12), so a
page costs the same number of queries for 10 or 10,000 rows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from appointments.selectors import appointments_list, with_confirmation_texted
from catalog.models import Item
from clients.models import Client
from frontdesk.services import receipt_sends_so_far
from loyalty.controls import ticket_redeemable
from loyalty.earning.preview import TicketClientPoints, ticket_client_points
from loyalty.errors import BelowMinRedemption, RedemptionPaused
from loyalty.models import EntryKind, PointsBalance, PointsEntry
from loyalty.selectors import (
    RewardsSummary,
    client_points_entries,
    client_rewards_summary,
)
from loyalty.tiers import rewards_with_tier
from messaging.models import Direction, Message, OptOut
from salon.errors import DomainError, all_error_classes
from salon.money import points_to_dollars
from staff.selectors import staff_list, working_periods
from tickets.models import Ticket, TicketStatus
from tickets.selectors import (
    ticket_list_with_totals,
    ticket_points_room,
)

CLIENT_LOG_PAGE = 50
CLIENT_LOG_MAX_PAGE = 200

TICKET, APPOINTMENT, POINTS, MESSAGE = "ticket", "appointment", "points", "message"
# Events at the same instant (a ticket's close and the points it earned) are ordered by
# this rank, then by id, so the order is total and stable from page to page.
TYPE_RANK = {MESSAGE: 0, APPOINTMENT: 1, TICKET: 2, POINTS: 3}


@dataclass(frozen=True)
class TimelineEvent:
    """One row of the Client Log: what happened, when, and a one-line summary."""

    type: str
    at: datetime
    id: int
    summary: str
    details: dict = field(default_factory=dict)

    @property
    def sort_key(self) -> tuple:
        return (self.at, TYPE_RANK[self.type], self.id)


@dataclass(frozen=True)
class ClientLog:
    """The Client Log (R28): the rewards box and one timeline, newest first.

    `next_before` is where the next (older) page starts: pass it back as `before`; None
    when this page reaches the client's first event.
    """

    client: Client
    rewards: RewardsSummary
    pending_value: Decimal
    timeline: list[TimelineEvent]
    next_before: datetime | None


def _ticket_events(client: Client, before: datetime | None, limit: int) -> list[TimelineEvent]:
    # A closed ticket sits where it closed, beside the points it earned; an open one (or
    # one voided before closing) where it was opened.
    queryset = ticket_list_with_totals(
        queryset=Ticket.objects.filter(client_id=client.pk).annotate(
            log_at=Coalesce("closed_at", "created_at")
        )
    )
    if before is not None:
        queryset = queryset.filter(log_at__lt=before)
    events = []
    for ticket in queryset.order_by("-log_at", "-id")[:limit]:
        total = ticket.total_amount.quantize(Decimal("0.01"))
        balance_due = ticket.balance_due_amount.quantize(Decimal("0.01"))
        events.append(
            TimelineEvent(
                type=TICKET,
                at=ticket.log_at,
                id=ticket.pk,
                summary=f"Ticket #{ticket.pk}: {ticket.get_status_display().lower()}, "
                f"total ${total}",
                details={
                    "status": ticket.status,
                    "opened_at": ticket.created_at,
                    "total": total,
                    "balance_due": balance_due,
                    "closed_at": ticket.closed_at,
                    "voided_at": ticket.voided_at,
                },
            )
        )
    return events


def _appointment_events(client: Client, before: datetime | None, limit: int) -> list[TimelineEvent]:
    queryset = Appointment.objects.filter(client_id=client.pk).select_related("item", "staff")
    if before is not None:
        queryset = queryset.filter(start__lt=before)
    return [
        TimelineEvent(
            type=APPOINTMENT,
            at=appointment.start,
            id=appointment.pk,
            summary=f"{appointment.item.name} appointment: "
            f"{appointment.get_status_display().lower()}",
            details={
                "status": appointment.status,
                "item": appointment.item.name,
                "staff_name": appointment.staff.name if appointment.staff else "",
                "duration_minutes": appointment.duration_minutes,
                "source": appointment.source,
                "prebooked": appointment.prebooked,
            },
        )
        for appointment in queryset.order_by("-start", "-id")[:limit]
    ]


def _points_events(
    client: Client, before: datetime | None, limit: int, now: datetime
) -> list[TimelineEvent]:
    queryset = client_points_entries(client=client)
    if before is not None:
        queryset = queryset.filter(created_at__lt=before)
    events = []
    for entry in queryset[:limit]:
        label = entry.get_action_display() if entry.action else entry.memo
        if entry.promotion_id is not None:  # the promotion it was earned under (R62)
            label = f"{label}, {entry.promotion.name}"
        events.append(
            TimelineEvent(
                type=POINTS,
                at=entry.created_at,
                id=entry.pk,
                summary=f"{entry.points:+d} points: {entry.get_kind_display().lower()}"
                + (f" ({label})" if label else ""),
                details={
                    "points": entry.points,
                    "kind": entry.kind,
                    "action": entry.action,
                    "ticket": entry.ticket_id,
                    "available_at": entry.available_at,
                    "pending": entry.available_at > now,
                    "memo": entry.memo,
                    "promotion": entry.promotion.name if entry.promotion_id else None,
                },
            )
        )
    return events


def _message_events(client: Client, before: datetime | None, limit: int) -> list[TimelineEvent]:
    queryset = Message.objects.filter(client_id=client.pk)
    if before is not None:
        queryset = queryset.filter(created_at__lt=before)
    events = []
    for message in queryset.order_by("-created_at", "-id")[:limit]:
        inbound = message.direction == Direction.INBOUND
        events.append(
            TimelineEvent(
                type=MESSAGE,
                at=message.created_at,
                id=message.pk,
                summary=f"Text {'from' if inbound else 'to'} client: {message.body[:80]}",
                details={
                    "direction": message.direction,
                    "status": message.status,
                    "body": message.body,
                },
            )
        )
    return events


def _read_sources(
    client: Client, before: datetime | None, limit: int, now: datetime
) -> list[TimelineEvent]:
    events = [
        *_ticket_events(client, before, limit),
        *_appointment_events(client, before, limit),
        *_points_events(client, before, limit, now),
        *_message_events(client, before, limit),
    ]
    return sorted(events, key=lambda event: event.sort_key, reverse=True)


def client_log(
    *,
    client: Client,
    limit: int = CLIENT_LOG_PAGE,
    before: datetime | None = None,
    now: datetime | None = None,
) -> ClientLog:
    """The Client Log of one client (R28): rewards box and a timeline of tickets (when they
    closed, else when they were opened), appointments (by start, so booked ones come
    first), points entries and text messages, merged newest first.

    Each of the four sources is one query of at most `limit + 1` rows, so the cost does not
    grow with the history. `before` pages back: only events strictly earlier than it. A
    page never splits events that share one instant (a close and the points it earned),
    so paging by time alone loses nothing.
    """
    now = now or timezone.now()
    limit = max(1, min(limit, CLIENT_LOG_MAX_PAGE))
    events = _read_sources(client, before, limit + 1, now)
    next_before = None
    if len(events) > limit:
        boundary = events[limit].at
        page = [event for event in events[:limit] if event.at > boundary]
        if not page:
            # Over `limit` events at one instant: return that whole instant (four more
            # bounded queries), then page on from just before it.
            page = [
                event
                for event in _read_sources(
                    client, boundary + timedelta(microseconds=1), CLIENT_LOG_MAX_PAGE * 4, now
                )
                if event.at == boundary
            ]
        events = page
        next_before = events[-1].at
    summary = rewards_with_tier(
        client_rewards_summary(client=client, now=now), client_id=client.pk, now=now
    )
    return ClientLog(
        client=client,
        rewards=summary,
        pending_value=points_to_dollars(summary.pending_points),
        timeline=events,
        next_before=next_before,
    )


# --- the payment area of a ticket (R19-R21) ---------------------------------------------


@dataclass(frozen=True)
class TicketPayment:
    """What the desk needs to collect payment: amounts, and for a client's ticket the
    rewards box and the most points usable on this ticket right now."""

    total: Decimal
    paid: Decimal
    points_paid: Decimal
    balance_due: Decimal
    rewards: RewardsSummary | None
    usable_points: int
    # Why no points can pay now, in the desk's words ("" when some can).
    why_not: str = ""
    # The parts of the total (R44): the lines' net, their tax, the tips.
    subtotal: Decimal = Decimal("0.00")
    tax: Decimal = Decimal("0.00")
    tips: Decimal = Decimal("0.00")

    @property
    def usable_value(self) -> Decimal:
        return points_to_dollars(self.usable_points)


def ticket_payment(*, ticket: Ticket, now: datetime | None = None) -> TicketPayment:
    """Amounts of a ticket and the most points redeemable on it now, with the reason in
    words when a rule holds it below the client's balance (loyalty's ticket_redeemable:
    R19-R21, R57). loyalty's points_redeem still decides; this only proposes a number."""
    room = ticket_points_room(ticket=ticket)
    rewards = None
    if ticket.client_id is not None:
        rewards = client_rewards_summary(client=ticket.client, now=now)
    redeemable = ticket_redeemable(ticket=ticket, room=room, rewards=rewards)
    return TicketPayment(
        total=room.total,
        paid=room.paid,
        points_paid=room.points_paid,
        balance_due=room.balance_due,
        rewards=rewards,
        usable_points=redeemable.points,
        why_not=_reason_words(redeemable.reason_code, rewards),
        subtotal=room.subtotal,
        tax=room.tax,
        tips=room.tips,
    )


def _reason_words(code: str | None, rewards: RewardsSummary | None) -> str:
    """The rule that holds the points back, as the desk reads it: the refusal's own message
    (R71), with the figures where the message has none."""
    if code is None:
        return ""
    if code == RedemptionPaused.code:
        return "Redemption is paused."
    if code == BelowMinRedemption.code and rewards is not None:
        return (
            "Can redeem once the redeemable balance reaches "
            f"${points_to_dollars(rewards.min_redemption_points)} "
            f"({rewards.min_redemption_points} points)."
        )
    refusal = next((cls for cls in all_error_classes() if cls.code == code), DomainError)
    return refusal.message


# --- the manager dashboard ------------------------------------------------------------------


DASHBOARD_ROWS = 20


@dataclass(frozen=True)
class Dashboard:
    """The manager's figures: the day's appointments (cancelled ones don't count), open
    tickets, and the week's points (issued: earned by clients and referrers; redeemed: net
    of redemptions given back) and what the points clients hold are worth (the program's
    liability)."""

    today: date
    appointments_count: int
    open_tickets: list[Ticket]
    open_tickets_count: int
    week_start: date
    points_issued: int
    points_redeemed: int
    outstanding_points: int
    outstanding_value: Decimal


def _salon_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def dashboard(*, now: datetime | None = None) -> Dashboard:
    """The manager dashboard in a fixed number of queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    week_start = today - timedelta(days=today.weekday())
    open_tickets_qs = ticket_list_with_totals(
        queryset=Ticket.objects.filter(status=TicketStatus.OPEN).select_related("client")
    ).order_by("created_at", "id")
    open_tickets = list(open_tickets_qs[: DASHBOARD_ROWS + 1])
    week = PointsEntry.objects.filter(created_at__gte=_salon_midnight(week_start))
    sums = week.aggregate(
        issued=Sum("points", filter=Q(kind__in=[EntryKind.EARN, EntryKind.REFERRAL_EARN])),
        redeemed=Sum("points", filter=Q(kind__in=[EntryKind.REDEEM, EntryKind.REDEEM_REVERSAL])),
    )
    outstanding = (
        PointsBalance.objects.filter(total__gt=0).aggregate(points=Sum("total"))["points"] or 0
    )
    return Dashboard(
        today=today,
        appointments_count=appointments_list(day=today)
        .exclude(status=AppointmentStatus.CANCELLED)
        .count(),
        open_tickets=open_tickets[:DASHBOARD_ROWS],
        open_tickets_count=(
            len(open_tickets)
            if len(open_tickets) <= DASHBOARD_ROWS
            else Ticket.objects.filter(status=TicketStatus.OPEN).count()
        ),
        week_start=week_start,
        points_issued=sums["issued"] or 0,
        points_redeemed=-(sums["redeemed"] or 0),
        outstanding_points=outstanding,
        outstanding_value=points_to_dollars(outstanding),
    )


# --- the day sheet: the desk's home page ------------------------------------------------------

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


# --- the checkout screen ---------------------------------------------------------------------


@dataclass(frozen=True)
class Checkout:
    """Everything the checkout screen shows for one ticket (issue #14)."""

    ticket: Ticket
    lines: list
    tips: list
    payments: list
    payment: TicketPayment
    points: TicketClientPoints | None
    # Who may be named on a line or tip (R41, R45): the active staff, by name.
    staff: list
    # How often the receipt went out by text and by e-mail (R49): closed or voided only.
    receipt_sent: dict[str, int] | None = None

    @property
    def visit_staff_id(self) -> int | None:
        """Whom a new line or tip names first: the appointment's staff member (R41)."""
        appointment = self.ticket.appointment
        return appointment.staff_id if appointment is not None else None

    @property
    def tip_staff_id(self) -> int | None:
        """Whom a new tip names first: who did the first line, else the visit's stylist."""
        named = [line.staff_id for line in self.lines if line.staff_id is not None]
        return named[0] if named else self.visit_staff_id

    @property
    def cash_change(self) -> Decimal | None:
        """The change from the last cash payment that gave what was tendered (R47)."""
        tendered = [payment for payment in self.payments if payment.tendered is not None]
        return tendered[-1].change if tendered else None


def ticket_checkout(*, ticket_id: int, now: datetime | None = None) -> Checkout | None:
    """The ticket with its client and appointment, its lines (with their staff), tips and
    payments, the payment area (amounts, the points usable now or why none) and the staff
    to choose from. None when there is no such ticket. The queries don't grow with the
    number of lines, tips or payments."""
    ticket = (
        Ticket.objects.select_related("client", "appointment__item").filter(pk=ticket_id).first()
    )
    if ticket is None:
        return None
    receipt_sent = None
    if ticket.status != TicketStatus.OPEN and ticket.client_id is not None:
        receipt_sent = receipt_sends_so_far(ticket_id=ticket.pk)
    return Checkout(
        ticket=ticket,
        lines=list(ticket.lines.select_related("item", "staff")),
        tips=list(ticket.tips.select_related("staff")),
        payments=list(ticket.payments.all()),
        payment=ticket_payment(ticket=ticket, now=now),
        points=ticket_client_points(ticket_id=ticket.pk),
        staff=list(staff_list(active=True)),
        receipt_sent=receipt_sent,
    )


def checkout_items() -> QuerySet[Item]:
    """What the desk may add to a ticket: active items, by kind then name."""
    return Item.objects.filter(active=True).order_by("kind", "name")
