"""A ticket's life: open, close, void, settle, and a merge's move of ownership (R16, R17,
R30, R31, R48)."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from appointments.services import appointment_complete_for_ticket, reservation_fulfil
from clients.errors import ClientMerged
from clients.models import Client
from salon.users import acting_user

from . import selectors, signals, spend, sql
from .adjustments import adjustment_record
from .checks import exact_decimal, require_manager_and_reason
from .errors import (
    AppointmentOfAnotherClient,
    BalanceSettled,
    ClientLockedByPoints,
    ClientRequired,
    ReservationOfAnotherClient,
    SettleAmountOutOfRange,
    SettleMethodRefused,
    TicketHasNoLines,
    TicketNotClosed,
    TicketNotOpen,
    TicketNotSettled,
    TicketVoided,
)
from .lines import ticket_add_line
from .locks import lock_ticket, ticket_changed
from .models import (
    DESK_METHODS,
    Payment,
    PaymentMethod,
    Ticket,
    TicketAdjustment,
    TicketLine,
    TicketStatus,
)

# Fields validated when the ticket was opened and never changed afterwards: skipping them
# in full_clean() keeps state changes from re-querying each foreign key.
TICKET_RELATIONS = [
    "client",
    "appointment",
    "reservation",
    "created_by",
    "closed_by",
    "voided_by",
]


@transaction.atomic
def ticket_open(*, client=None, appointment=None, reservation=None, user=None) -> Ticket:
    """Open a ticket, for a client or a walk-in (R30).

    The client defaults to the appointment's (or reservation's) client; an appointment or
    reservation of another client is refused, and so is a merged duplicate (R17). A ticket
    for an appointment starts with its service (the item's current price); one for a
    reservation with the reserved product times its quantity (R48). The desk may change or remove
    those lines.
    """
    if client is None:
        client = (appointment and appointment.client) or (reservation and reservation.client)
    # Re-read: the client may have been merged since the caller loaded it (R17).
    merged = client is not None and Client.objects.filter(pk=client.pk, merged_into__isnull=False)
    if merged and merged.exists():
        raise ClientMerged(field="client")
    if appointment is not None and appointment.client_id != client.pk:
        raise AppointmentOfAnotherClient(field="appointment")
    if reservation is not None and reservation.client_id != client.pk:
        raise ReservationOfAnotherClient(field="reservation")
    ticket = Ticket(
        client=client,
        appointment=appointment,
        reservation=reservation,
        created_by=acting_user(user),
    )
    ticket.full_clean()
    ticket.save()
    if appointment is not None:
        ticket_add_line(
            ticket=ticket,
            item=appointment.item,
            staff=appointment.staff,
            from_visit=True,
        )
    if reservation is not None:
        ticket_add_line(
            ticket=ticket,
            item=reservation.item,
            quantity=reservation.quantity,
            from_visit=True,
        )
    return ticket


@transaction.atomic
def ticket_set_client(*, ticket: Ticket, client: Client) -> Ticket:
    """Set or change the client of an open ticket (R48): a walk-in who turns out to be a
    regular earns. Refused once points paid on it (they came from the first client's
    balance), for a merged duplicate, and when the ticket's appointment or reservation
    belongs to another client."""
    ticket = lock_ticket(ticket)
    if ticket.status != TicketStatus.OPEN:
        raise TicketNotOpen("Only an open ticket's client can change.")
    if client is None or client.pk is None:
        raise ClientRequired(field="client")
    if Client.objects.filter(pk=client.pk, merged_into__isnull=False).exists():
        raise ClientMerged(field="client")
    if Payment.objects.filter(ticket=ticket, method=PaymentMethod.POINTS).exists():
        raise ClientLockedByPoints()
    if ticket.appointment is not None and ticket.appointment.client_id != client.pk:
        raise AppointmentOfAnotherClient(field="client")
    if ticket.reservation is not None and ticket.reservation.client_id != client.pk:
        raise ReservationOfAnotherClient(field="client")
    ticket.client = client
    ticket.save(update_fields=["client"])
    return ticket


@transaction.atomic
def ticket_close(*, ticket: Ticket, user=None, now: datetime | None = None) -> Ticket:
    """Close an open ticket whose payments equal its total (R31); announced inside the
    transaction, with who closed it. Closing a closed ticket is a no-op (the first closer
    stays recorded); a ticket with no line can't close."""
    ticket = lock_ticket(ticket)
    if ticket.status == TicketStatus.CLOSED:
        return ticket
    if ticket.status == TicketStatus.VOIDED:
        raise TicketVoided("This ticket is voided; it can't be closed.")
    now = now or timezone.now()
    closed_by = acting_user(user)
    closed_by_id = closed_by.pk if closed_by is not None else None
    if not sql.ticket_close_if_settled(ticket_id=ticket.pk, now=now, closed_by_id=closed_by_id):
        if not TicketLine.objects.filter(ticket=ticket).exists():
            raise TicketHasNoLines()
        amounts = selectors.ticket_amounts(ticket=ticket)
        raise TicketNotSettled(
            f"Payments ({amounts.paid}) must equal the total ({amounts.total}) to close; "
            f"balance due {amounts.balance_due}."
        )
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = now
    ticket.closed_by = closed_by
    # The close is a raw UPDATE (no post_save), and appointments is above tickets: complete
    # the visit by a direct call, in this transaction (R48).
    if ticket.appointment_id is not None:
        appointment_complete_for_ticket(appointment_id=ticket.appointment_id)
    if ticket.reservation_id is not None:
        reservation_fulfil(reservation_id=ticket.reservation_id)
    # Before the announcement: loyalty's upgrade check reads the spend this close adds (R61).
    spend.ticket_spend_count(ticket=ticket, sign=1)
    signals.ticket_closed.send(sender=Ticket, ticket=ticket, now=now)
    return ticket


@transaction.atomic
def ticket_void(*, ticket: Ticket, user, reason: str = "", now: datetime | None = None) -> Ticket:
    """Void a ticket: an open one by any staff, a closed one (a refund) by a Manager with a
    reason, recorded (R16). Announced so that loyalty reverses earnings and gives back points
    paid (R16, R22). Records who voided it; voiding twice is a no-op (the first stays)."""
    ticket = lock_ticket(ticket)
    if ticket.status == TicketStatus.VOIDED:
        return ticket
    was_closed = ticket.status == TicketStatus.CLOSED
    reason = (reason or "").strip()
    if was_closed:
        reason = require_manager_and_reason(user=user, reason=reason, action="void")
    now = now or timezone.now()
    ticket.status = TicketStatus.VOIDED
    ticket.voided_at = now
    ticket.voided_by = acting_user(user)
    ticket.void_reason = reason
    ticket.full_clean(exclude=TICKET_RELATIONS)
    ticket.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
    if was_closed:
        spend.ticket_spend_count(ticket=ticket, sign=-1)  # a refund stops qualifying (R61)
        adjustment_record(
            ticket=ticket,
            kind=TicketAdjustment.Kind.VOIDED,
            line_id=None,
            old_values={"status": TicketStatus.CLOSED.value},
            new_values={"status": TicketStatus.VOIDED.value},
            reason=reason,
            user=user,
            now=now,
            announce=False,
        )
    signals.ticket_voided.send(sender=Ticket, ticket=ticket, was_closed=was_closed, now=now)
    return ticket


@transaction.atomic
def ticket_settle(*, ticket: Ticket, method: str, amount: Decimal, user, reason: str) -> Payment:
    """Settle a closed ticket's balance after an adjustment (R16): an extra payment (a positive
    amount up to the balance due) or a refund (a negative amount down to it). Manager only,
    with a reason; recorded. Settling never changes points, so nothing is announced."""
    ticket = lock_ticket(ticket)
    reason = require_manager_and_reason(user=user, reason=reason, action="settle")
    if ticket.status != TicketStatus.CLOSED:
        raise TicketNotClosed("Only a closed ticket is settled; take payments on an open one.")
    if method not in DESK_METHODS:
        raise SettleMethodRefused(field="method")
    amount = exact_decimal(amount, field="amount")
    balance_due = selectors.ticket_balance_due(ticket=ticket)
    if balance_due == 0:
        raise BalanceSettled()
    if balance_due > 0 and not (0 < amount <= balance_due):
        raise SettleAmountOutOfRange(
            f"Take a payment between 0.01 and the balance due ({balance_due}).", field="amount"
        )
    if balance_due < 0 and not (balance_due <= amount < 0):
        raise SettleAmountOutOfRange(
            f"Refund a negative amount down to the balance due ({balance_due}).", field="amount"
        )
    payment = Payment(
        ticket=ticket,
        method=method,
        amount=amount,
        created_by=acting_user(user),
    )
    payment.full_clean(exclude=["ticket", "created_by"])
    payment.save()
    ticket_changed(ticket)
    adjustment_record(
        ticket=ticket,
        kind=TicketAdjustment.Kind.SETTLEMENT,
        line_id=None,
        old_values={"balance_due": str(balance_due)},
        new_values={
            "payment": payment.pk,
            "method": method,
            "amount": str(payment.amount),
            "balance_due": str(balance_due - amount),
        },
        reason=reason,
        user=user,
        now=None,
        announce=False,
    )
    return payment


def tickets_lock_for_merge(*, duplicate) -> None:
    """Lock the duplicate's tickets in primary-key order, as the merge's first lock after the
    clients' rows (R78; clients/signals.py)."""
    list(
        Ticket.objects.select_for_update(no_key=True)
        .filter(client=duplicate)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def tickets_move_to_survivor(*, survivor, duplicate) -> int:
    """A merge moves the duplicate's tickets to the survivor (R17). This moves ownership,
    not a ticket's state, so a bulk update (which sends no ticket signal) is right here;
    updated_at moves with it, since an app syncing the survivor's tickets must see them.
    Their qualifying spend moves with them (R61), before loyalty's receiver locks the
    balances: a close takes the day's row before the balance too (R78)."""
    moved = Ticket.objects.filter(client=duplicate).update(
        client=survivor, updated_at=timezone.now()
    )
    spend.daily_spend_move(survivor_id=survivor.pk, duplicate_id=duplicate.pk)
    return moved
