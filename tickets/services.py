"""Writes on tickets (SPEC §7, R16, R21, R22, R29-R32).

Every service is one transaction that locks the ticket row first, re-reads the ticket's
state after the lock, validates, writes, and sends its signal inside the transaction so
that listeners (loyalty) commit or roll back with the change (SPEC §1).
"""

from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from appointments.services import appointment_complete_for_ticket, reservation_fulfil
from catalog.models import Item, ItemKind
from clients.models import Client
from salon.db import PreparedStatement, instance_from_row
from salon.errors import DomainError, PermissionRefused
from salon.limits import NotAPlainNumber, plain_decimal
from salon.money import round_money

from . import selectors, signals
from .models import Payment, PaymentMethod, Ticket, TicketAdjustment, TicketLine, TicketStatus

ADJUST_CLOSED_TICKET = "tickets.adjust_closed_ticket"
HUNDRED = Decimal("100")
ZERO = Decimal("0.00")
CASH_LIKE_METHODS = (
    PaymentMethod.CASH,
    PaymentMethod.CARD,
    PaymentMethod.CHECK,
    PaymentMethod.GIFT_CARD,
)
# Fields validated when the ticket was opened and never changed afterwards: skipping them
# in full_clean() keeps state changes from re-querying each foreign key.
TICKET_RELATIONS = ["client", "appointment", "reservation", "created_by"]


# --- small helpers -------------------------------------------------------------------------


def _decimal(value, *, field: str) -> Decimal:
    """Money and percentages come as Decimal (or an exact str/int); floats are refused."""
    if isinstance(value, (bool, float)):
        raise DomainError("Give an exact decimal number.", field=field)
    try:
        return plain_decimal(value, field=field)  # R76: no " 5 ", "1e3" or Arabic-Indic digits
    except NotAPlainNumber:
        raise DomainError("Give a valid number.", field=field) from None


def _lock_ticket_sql(vendor: str) -> str:
    columns = ", ".join(field.column for field in Ticket._meta.concrete_fields)
    # SQLite has no row locks: its write transaction holds the whole database.
    # NO KEY: the lock guards the ticket's state, not its id, so other writers' foreign-key
    # checks on the ticket (a merge moving entries that name it) don't wait for it (R78).
    lock = " FOR NO KEY UPDATE" if vendor == "postgresql" else ""
    return f"SELECT {columns} FROM {Ticket._meta.db_table} WHERE id = %(ticket)s{lock}"


# Every ticket service starts here: prepared, it costs 0.18 ms against the ORM's 0.43 ms
# (docs/performance.md, P3).
LOCK_TICKET = {
    vendor: PreparedStatement("tickets_lock_ticket", _lock_ticket_sql(vendor))
    for vendor in ("postgresql", "sqlite")
}


def _lock_ticket(ticket: Ticket | int) -> Ticket:
    """The ticket's row, locked until the transaction ends, re-read after the lock."""
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    with connection.cursor() as cursor:
        LOCK_TICKET[connection.vendor].execute(cursor, {"ticket": pk})
        row = cursor.fetchone()
    if row is None:
        raise Ticket.DoesNotExist("Ticket matching query does not exist.")
    return instance_from_row(Ticket, row)


def _refuse_unless_open(ticket: Ticket, *, closed_message: str) -> None:
    if ticket.status == TicketStatus.VOIDED:
        raise DomainError("This ticket is voided; nothing on it can change.")
    if ticket.status == TicketStatus.CLOSED:
        raise DomainError(closed_message)


def _require_manager_and_reason(*, user, reason: str, action: str) -> str:
    """Closed tickets change only by a Manager, with a reason (R16, SPEC §10)."""
    if user is None or not user.has_perm(ADJUST_CLOSED_TICKET):
        raise PermissionRefused(f"Only a Manager may {action} a closed ticket.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason for changing a closed ticket.", field="reason")
    return reason


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _line_values(line: TicketLine) -> dict:
    """A JSON-safe snapshot of a line for the adjustment record (R16)."""

    def text(value):
        return None if value is None else str(value)

    return {
        "item": line.item_id,
        "quantity": str(line.quantity),
        "unit_price": text(line.unit_price),
        "discount_amount": text(line.discount_amount),
        "discount_percent": text(line.discount_percent),
        "net_amount": text(line.net_amount),
    }


def line_net_amount(
    *,
    quantity: int,
    unit_price: Decimal,
    discount_amount: Decimal | None,
    discount_percent: Decimal | None,
) -> Decimal:
    """quantity x unit price - discount, rounded half-up to cents (R30, R32).

    Validates the figures (quantity ≥ 1, price ≥ 0, at most one discount, a discount no
    larger than the line) and raises DomainError naming the field otherwise.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise DomainError("Quantity must be a whole number.", field="quantity")
    if quantity < 1:
        raise DomainError("Quantity must be at least 1.", field="quantity")
    if unit_price < 0:
        raise DomainError("The price can't be negative.", field="unit_price")
    if discount_amount is not None and discount_percent is not None:
        raise DomainError(
            "Give either a discount amount or a discount percent, not both.",
            field="discount_amount",
        )
    line_amount = quantity * unit_price
    discount = ZERO
    if discount_amount is not None:
        if discount_amount < 0:
            raise DomainError("A discount can't be negative.", field="discount_amount")
        if discount_amount > line_amount:
            raise DomainError(
                f"The discount can't be more than the line amount ({round_money(line_amount)}).",
                field="discount_amount",
            )
        discount = discount_amount
    if discount_percent is not None:
        if discount_percent < 0:
            raise DomainError("A discount can't be negative.", field="discount_percent")
        if discount_percent > HUNDRED:
            raise DomainError("A discount can't be more than 100 %.", field="discount_percent")
        discount = line_amount * discount_percent / HUNDRED
    return round_money(line_amount - discount)


def _guard_open_ticket_total(*, ticket: Ticket, new_total: Decimal) -> None:
    """R21: after a line change on an open ticket, the total must stay above its points
    payments and not fall below its payments."""
    points_paid = selectors.ticket_points_paid(ticket=ticket)
    if points_paid > 0 and new_total <= points_paid:
        raise DomainError(
            f"The total ({new_total}) must stay above the points paid ({points_paid}); "
            "remove the points payment first."
        )
    paid = selectors.ticket_paid(ticket=ticket)
    if new_total < paid:
        raise DomainError(
            f"The total ({new_total}) can't fall below what was paid ({paid}); "
            "remove a payment first."
        )


def _optional_decimal(value, *, field: str) -> Decimal | None:
    return None if value is None else _decimal(value, field=field)


# --- opening and lines ---------------------------------------------------------------------


@transaction.atomic
def ticket_open(*, client=None, appointment=None, reservation=None, user=None) -> Ticket:
    """Open a ticket, for a client or a walk-in (R30).

    The client defaults to the appointment's (or reservation's) client; an appointment or
    reservation of another client is refused, and so is a merged duplicate (R17).
    """
    if client is None:
        client = (appointment and appointment.client) or (reservation and reservation.client)
    # Re-read: the client may have been merged since the caller loaded it (R17).
    merged = client is not None and Client.objects.filter(pk=client.pk, merged_into__isnull=False)
    if merged and merged.exists():
        raise DomainError(
            "This client was merged into another; open the ticket for the survivor.",
            field="client",
        )
    if appointment is not None and appointment.client_id != client.pk:
        raise DomainError("This appointment belongs to another client.", field="appointment")
    if reservation is not None and reservation.client_id != client.pk:
        raise DomainError("This reservation belongs to another client.", field="reservation")
    ticket = Ticket(
        client=client,
        appointment=appointment,
        reservation=reservation,
        created_by=user if user is not None and user.pk else None,
    )
    ticket.full_clean()
    ticket.save()
    return ticket


@transaction.atomic
def ticket_add_line(
    *,
    ticket: Ticket,
    item: Item,
    quantity: int = 1,
    unit_price: Decimal | None = None,
    discount_amount: Decimal | None = None,
    discount_percent: Decimal | None = None,
    package_redemption: bool = False,
    user=None,
) -> TicketLine:
    """Add a line to an open ticket (R30, R32); a closed ticket is adjusted instead (R16).

    The unit price defaults to the item's. A package redemption (R9) is a service performed
    against a package or membership: service items only, always priced 0.
    """
    ticket = _lock_ticket(ticket)
    _refuse_unless_open(
        ticket,
        closed_message="This ticket is closed: new lines can't be added; adjust it instead.",
    )
    if item is None or item.pk is None:
        raise DomainError("Choose an item.", field="item")
    item = Item.objects.filter(pk=item.pk).first()
    if item is None:
        raise DomainError("This item doesn't exist.", field="item")
    if not item.active:
        raise DomainError(f"{item} is no longer sold (inactive).", field="item")
    if package_redemption and item.kind != ItemKind.SERVICE:
        raise DomainError("Only a service can be a package redemption.", field="package_redemption")
    if unit_price is None:
        unit_price = ZERO if package_redemption else item.price
    unit_price = _decimal(unit_price, field="unit_price")
    discount_amount = _optional_decimal(discount_amount, field="discount_amount")
    discount_percent = _optional_decimal(discount_percent, field="discount_percent")
    if package_redemption and unit_price != 0:
        raise DomainError("A package redemption is priced 0.", field="unit_price")
    net_amount = line_net_amount(
        quantity=quantity,
        unit_price=unit_price,
        discount_amount=discount_amount,
        discount_percent=discount_percent,
    )
    line = TicketLine(
        ticket=ticket,
        item=item,
        quantity=quantity,
        unit_price=unit_price,
        discount_amount=discount_amount,
        discount_percent=discount_percent,
        package_redemption=package_redemption,
        net_amount=net_amount,
    )
    line.full_clean(exclude=["ticket", "item"])
    line.save()
    return line


def _lock_line(line: TicketLine) -> tuple[Ticket, TicketLine]:
    ticket = _lock_ticket(line.ticket_id)
    current = TicketLine.objects.select_related("item").filter(pk=line.pk, ticket=ticket).first()
    if current is None:
        raise DomainError("This line was already removed.")
    current.ticket = ticket
    return ticket, current


@transaction.atomic
def ticket_update_line(
    *,
    line: TicketLine,
    user,
    quantity: int | None = None,
    unit_price: Decimal | None = None,
    discount_amount: Decimal | None = None,
    discount_percent: Decimal | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> TicketLine:
    """Change a line's quantity, unit price or discount (R30, R32).

    None leaves a value as it is. Giving one discount replaces the other; a discount of 0
    removes it. On an open ticket any staff may change it (within R21); on a closed ticket
    only a Manager, with a reason, and the change is recorded and announced (R16).
    """
    ticket, line = _lock_line(line)
    if ticket.status == TicketStatus.VOIDED:
        raise DomainError("This ticket is voided; nothing on it can change.")
    was_closed = ticket.status == TicketStatus.CLOSED
    if was_closed:
        reason = _require_manager_and_reason(user=user, reason=reason, action="adjust")
    if discount_amount is not None and discount_percent is not None:
        raise DomainError(
            "Give either a discount amount or a discount percent, not both.",
            field="discount_amount",
        )
    old_values = _line_values(line)
    new_quantity = line.quantity if quantity is None else quantity
    new_price = line.unit_price if unit_price is None else _decimal(unit_price, field="unit_price")
    new_discount_amount, new_discount_percent = line.discount_amount, line.discount_percent
    if discount_amount is not None:
        new_discount_amount = _decimal(discount_amount, field="discount_amount") or None
        new_discount_percent = None
    if discount_percent is not None:
        new_discount_percent = _decimal(discount_percent, field="discount_percent") or None
        new_discount_amount = None
    if line.package_redemption and new_price != 0:
        raise DomainError("A package redemption is priced 0.", field="unit_price")
    new_net = line_net_amount(
        quantity=new_quantity,
        unit_price=new_price,
        discount_amount=new_discount_amount,
        discount_percent=new_discount_percent,
    )
    line.quantity = new_quantity
    line.unit_price = new_price
    line.discount_amount = new_discount_amount
    line.discount_percent = new_discount_percent
    line.net_amount = new_net
    line.full_clean(exclude=["ticket", "item"])
    new_values = _line_values(line)
    if new_values == old_values:
        return line
    if not was_closed:
        total = selectors.ticket_total(ticket=ticket)
        _guard_open_ticket_total(
            ticket=ticket, new_total=total - Decimal(old_values["net_amount"]) + new_net
        )
    line.save()
    if was_closed:
        _record_adjustment(
            ticket=ticket,
            kind=TicketAdjustment.Kind.LINE_CHANGED,
            line_id=line.pk,
            old_values=old_values,
            new_values=new_values,
            reason=reason,
            user=user,
            now=now,
        )
    return line


@transaction.atomic
def ticket_remove_line(
    *, line: TicketLine, user, reason: str = "", now: datetime | None = None
) -> None:
    """Remove a line: freely on an open ticket (within R21), by a Manager with a reason on a
    closed one, recorded and announced (R16)."""
    ticket, line = _lock_line(line)
    if ticket.status == TicketStatus.VOIDED:
        raise DomainError("This ticket is voided; nothing on it can change.")
    was_closed = ticket.status == TicketStatus.CLOSED
    if was_closed:
        reason = _require_manager_and_reason(user=user, reason=reason, action="adjust")
    else:
        total = selectors.ticket_total(ticket=ticket)
        _guard_open_ticket_total(ticket=ticket, new_total=total - line.net_amount)
    old_values = _line_values(line)
    line_id = line.pk
    line.delete()
    if was_closed:
        _record_adjustment(
            ticket=ticket,
            kind=TicketAdjustment.Kind.LINE_REMOVED,
            line_id=line_id,
            old_values=old_values,
            new_values={},
            reason=reason,
            user=user,
            now=now,
        )


def _record_adjustment(
    *, ticket, kind, line_id, old_values, new_values, reason, user, now, announce=True
) -> TicketAdjustment:
    adjustment = TicketAdjustment(
        ticket=ticket,
        kind=kind,
        line_id=line_id,
        old_values=old_values,
        new_values=new_values,
        reason=reason,
        created_by=user if user is not None and user.pk else None,
    )
    adjustment.full_clean(exclude=["ticket", "created_by"])
    adjustment.save()
    if announce:
        signals.ticket_adjusted.send(
            sender=Ticket, ticket=ticket, adjustment=adjustment, now=_now(now)
        )
    return adjustment


# --- payments ------------------------------------------------------------------------------


@transaction.atomic
def payment_add(
    *,
    ticket: Ticket,
    method: str,
    amount: Decimal,
    user=None,
    points: int | None = None,
) -> Payment:
    """Take a payment on an open ticket (R30, R32): never more than the balance due.

    Method `points` is only for loyalty's redemption service, which calls this inside its
    own transaction after debiting the points (R21, R22): `amount` must be points / 100,
    the points payments must stay strictly below the total, and a redemption never
    exceeds the balance due.
    """
    ticket = _lock_ticket(ticket)
    _refuse_unless_open(
        ticket,
        closed_message=(
            "This ticket is closed: payments can't be added; a Manager settles its balance."
        ),
    )
    if method not in PaymentMethod.values:
        raise DomainError(f"Unknown payment method “{method}”.", field="method")
    amount = _decimal(amount, field="amount")
    if amount <= 0:
        raise DomainError("A payment must be more than 0.", field="amount")
    total = selectors.ticket_total(ticket=ticket)
    balance_due = total - selectors.ticket_paid(ticket=ticket)
    if method == PaymentMethod.POINTS:
        if ticket.client_id is None:
            raise DomainError("A walk-in ticket can't be paid with points.", field="method")
        if isinstance(points, bool) or not isinstance(points, int) or points < 1:
            raise DomainError("Give a whole number of points, at least 1.", field="points")
        if amount != Decimal(points) / HUNDRED:
            raise DomainError("A points payment is worth points / 100 dollars.", field="amount")
        points_paid = selectors.ticket_points_paid(ticket=ticket)
        if points_paid + amount >= total:
            raise DomainError(
                f"Points can pay less than the ticket total ({total}) only; "
                f"already paid with points: {points_paid}.",
                field="points",
            )
        if amount > balance_due:
            raise DomainError(
                f"A redemption can't be more than the balance due ({balance_due}).",
                field="points",
            )
    elif points is not None:
        raise DomainError("Only a points payment carries points.", field="points")
    if amount > balance_due:
        raise DomainError(f"That is more than the balance due ({balance_due}).", field="amount")
    payment = Payment(
        ticket=ticket,
        method=method,
        amount=amount,
        points=points,
        created_by=user if user is not None and user.pk else None,
    )
    payment.full_clean(exclude=["ticket", "created_by"])
    payment.save()
    return payment


@transaction.atomic
def payment_remove(*, payment: Payment, user=None, now: datetime | None = None) -> None:
    """Remove a payment from an open ticket; announced so that loyalty gives back the points
    of a points payment at once (R22)."""
    ticket = _lock_ticket(payment.ticket_id)
    _refuse_unless_open(
        ticket,
        closed_message="This ticket is closed: its payments stay; a Manager settles its balance.",
    )
    current = Payment.objects.filter(pk=payment.pk, ticket=ticket).first()
    if current is None:
        raise DomainError("This payment was already removed.")
    payment_id = current.pk
    current.delete()
    signals.payment_removed.send(
        sender=Ticket, ticket=ticket, payment=current, payment_id=payment_id, now=_now(now)
    )


# --- close, void, settle -------------------------------------------------------------------


def _close_if_settled_sql() -> str:
    ticket, line, payment = Ticket._meta.db_table, TicketLine._meta.db_table, Payment._meta.db_table
    return (
        f"UPDATE {ticket} SET status = %(closed)s, closed_at = %(now)s "
        f"WHERE id = %(ticket)s AND status = %(open)s "
        f"AND EXISTS (SELECT 1 FROM {line} l WHERE l.ticket_id = %(ticket)s) "
        f"AND (SELECT CAST(ROUND(COALESCE(SUM(l.net_amount), 0) * 100) AS BIGINT) "
        f"FROM {line} l WHERE l.ticket_id = %(ticket)s) "
        f"= (SELECT CAST(ROUND(COALESCE(SUM(p.amount), 0) * 100) AS BIGINT) "
        f"FROM {payment} p WHERE p.ticket_id = %(ticket)s)"
    )


CLOSE_IF_SETTLED = PreparedStatement("tickets_close_if_settled", _close_if_settled_sql())


def _close_if_settled(*, ticket_id: int, now: datetime) -> bool:
    """Close the (locked) ticket in one UPDATE if it has lines and its payments equal its
    total, compared in whole cents (R31); whether it did. The lock is held already, so the
    statement's sums see every committed line and payment."""
    with connection.cursor() as cursor:
        CLOSE_IF_SETTLED.execute(
            cursor,
            {
                "closed": TicketStatus.CLOSED.value,
                "open": TicketStatus.OPEN.value,
                "now": Ticket._meta.get_field("closed_at").get_db_prep_save(now, connection),
                "ticket": ticket_id,
            },
        )
        return cursor.rowcount == 1


@transaction.atomic
def ticket_close(*, ticket: Ticket, user=None, now: datetime | None = None) -> Ticket:
    """Close an open ticket whose payments equal its total (R31); announced inside the
    transaction. Closing a closed ticket is a no-op; a ticket with no line can't close."""
    ticket = _lock_ticket(ticket)
    if ticket.status == TicketStatus.CLOSED:
        return ticket
    if ticket.status == TicketStatus.VOIDED:
        raise DomainError("This ticket is voided; it can't be closed.")
    now = _now(now)
    if not _close_if_settled(ticket_id=ticket.pk, now=now):
        if not TicketLine.objects.filter(ticket=ticket).exists():
            raise DomainError("This ticket has no lines: there is nothing to close.")
        total = selectors.ticket_total(ticket=ticket)
        paid = selectors.ticket_paid(ticket=ticket)
        raise DomainError(
            f"Payments ({paid}) must equal the total ({total}) to close; "
            f"balance due {total - paid}."
        )
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = now
    # The close is a raw UPDATE (no post_save), and appointments is above tickets: complete
    # the visit by a direct call, in this transaction (R48).
    if ticket.appointment_id is not None:
        appointment_complete_for_ticket(appointment_id=ticket.appointment_id)
    if ticket.reservation_id is not None:
        reservation_fulfil(reservation_id=ticket.reservation_id)
    signals.ticket_closed.send(sender=Ticket, ticket=ticket, now=now)
    return ticket


@transaction.atomic
def ticket_void(*, ticket: Ticket, user, reason: str = "", now: datetime | None = None) -> Ticket:
    """Void a ticket: an open one by any staff, a closed one (a refund) by a Manager with a
    reason, recorded (R16). Announced so that loyalty reverses earnings and gives back points
    paid (R16, R22). Voiding twice is a no-op."""
    ticket = _lock_ticket(ticket)
    if ticket.status == TicketStatus.VOIDED:
        return ticket
    was_closed = ticket.status == TicketStatus.CLOSED
    reason = (reason or "").strip()
    if was_closed:
        reason = _require_manager_and_reason(user=user, reason=reason, action="void")
    now = _now(now)
    ticket.status = TicketStatus.VOIDED
    ticket.voided_at = now
    ticket.void_reason = reason
    ticket.full_clean(exclude=TICKET_RELATIONS)
    ticket.save(update_fields=["status", "voided_at", "void_reason"])
    if was_closed:
        _record_adjustment(
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
    ticket = _lock_ticket(ticket)
    reason = _require_manager_and_reason(user=user, reason=reason, action="settle")
    if ticket.status != TicketStatus.CLOSED:
        raise DomainError("Only a closed ticket is settled; take payments on an open one.")
    if method not in CASH_LIKE_METHODS:
        raise DomainError(
            "Settle with cash, card, check or gift card (not points).", field="method"
        )
    amount = _decimal(amount, field="amount")
    balance_due = selectors.ticket_balance_due(ticket=ticket)
    if balance_due == 0:
        raise DomainError("This ticket's balance is settled already.")
    if balance_due > 0 and not (0 < amount <= balance_due):
        raise DomainError(
            f"Take a payment between 0.01 and the balance due ({balance_due}).", field="amount"
        )
    if balance_due < 0 and not (balance_due <= amount < 0):
        raise DomainError(
            f"Refund a negative amount down to the balance due ({balance_due}).", field="amount"
        )
    payment = Payment(
        ticket=ticket,
        method=method,
        amount=amount,
        created_by=user if user.pk else None,
    )
    payment.full_clean(exclude=["ticket", "created_by"])
    payment.save()
    _record_adjustment(
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


@transaction.atomic
def tickets_lock_for_merge(*, duplicate) -> None:
    """Lock the duplicate's tickets in primary-key order, as the merge's first lock after the
    clients' rows (R78; clients/signals.py)."""
    list(
        Ticket.objects.select_for_update(no_key=True)
        .filter(client=duplicate)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def tickets_move_to_survivor(*, survivor, duplicate) -> int:
    """A merge moves the duplicate's tickets to the survivor (R17). This moves ownership,
    not a ticket's state, so a bulk update (which sends no ticket signal) is right here."""
    return Ticket.objects.filter(client=duplicate).update(client=survivor)
