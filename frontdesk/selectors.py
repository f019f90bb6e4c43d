"""Reads that compose several apps: the Client Log (R28) and the admin dashboard.

Each source is read by one bounded query whatever the client's history (SPEC §12), so a
page costs the same number of queries for 10 or 10,000 rows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from appointments.selectors import appointments_list
from clients.models import Client
from loyalty.models import EntryKind, PointsBalance, PointsEntry
from loyalty.rewards_box import RewardsSummary, client_rewards_summary
from loyalty.selectors import client_points_entries
from loyalty.tiers import rewards_with_tier
from messaging.models import Direction, Message
from salon.money import points_to_dollars
from tickets.models import Ticket, TicketStatus
from tickets.selectors import ticket_list_with_totals

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
        client_rewards_summary(client=client, now=now, with_tier_standing=True),
        client_id=client.pk,
        now=now,
    )
    return ClientLog(
        client=client,
        rewards=summary,
        pending_value=points_to_dollars(summary.pending_points),
        timeline=events,
        next_before=next_before,
    )


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
