"""Payments on an open ticket: add and remove (R21, R22, R30, R32)."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from salon.money import points_to_dollars
from salon.users import acting_user

from . import signals
from .checks import exact_decimal, refuse_unless_open
from .errors import (
    ExceedsBalanceDue,
    InvalidPoints,
    PaymentAlreadyRemoved,
    PaymentNotPositive,
    PointsAmountMismatch,
    PointsOnOtherMethod,
    TenderedBelowAmount,
    TenderedNotCash,
    UnknownPaymentMethod,
    WalkInTicket,
    points_refusal,
)
from .locks import lock_ticket, ticket_changed
from .models import Payment, PaymentMethod, Ticket
from .selectors import ticket_points_room


def cash_tendered_check(*, method: str, amount: Decimal, tendered: Decimal) -> Decimal:
    """R47: only cash has an amount tendered, and it covers the amount paid."""
    if method != PaymentMethod.CASH:
        raise TenderedNotCash()
    if tendered < amount:
        raise TenderedBelowAmount(
            f"The cash tendered ({tendered}) can't be less than the amount paid ({amount})."
        )
    return tendered


@transaction.atomic
def payment_add(
    *,
    ticket: Ticket,
    method: str,
    amount: Decimal,
    user=None,
    points: int | None = None,
    tendered: Decimal | None = None,
) -> Payment:
    """Take a payment on an open ticket (R30, R32): never more than the balance due.

    A cash payment may say what the client handed over (`tendered` ≥ `amount`); the change
    is the difference (R47). Any other method with `tendered` is refused.

    Method `points` is only for loyalty's redemption service, which calls this inside its
    own transaction after debiting the points (R21, R22): `amount` must be points / 100,
    the points payments must stay strictly below the total, and a redemption never
    exceeds the balance due.
    """
    ticket = lock_ticket(ticket)
    refuse_unless_open(
        ticket,
        closed_message=(
            "This ticket is closed: payments can't be added; a Manager settles its balance."
        ),
    )
    if method not in PaymentMethod.values:
        raise UnknownPaymentMethod(f"Unknown payment method “{method}”.", field="method")
    amount = exact_decimal(amount, field="amount")
    if amount <= 0:
        raise PaymentNotPositive(field="amount")
    room = ticket_points_room(ticket=ticket)
    if method == PaymentMethod.POINTS:
        if ticket.client_id is None:
            raise WalkInTicket(field="method")
        if isinstance(points, bool) or not isinstance(points, int) or points < 1:
            raise InvalidPoints(field="points")
        if amount != points_to_dollars(points):
            raise PointsAmountMismatch(field="amount")
        refusal = points_refusal(room, points)
        if refusal is not None:
            raise refusal
    elif points is not None:
        raise PointsOnOtherMethod(field="points")
    if tendered is not None:
        tendered = cash_tendered_check(
            method=method, amount=amount, tendered=exact_decimal(tendered, field="tendered")
        )
    if amount > room.balance_due:
        raise ExceedsBalanceDue(
            f"That is more than the balance due ({room.balance_due}).", field="amount"
        )
    payment = Payment(
        ticket=ticket,
        method=method,
        amount=amount,
        points=points,
        tendered=tendered,
        created_by=acting_user(user),
    )
    payment.full_clean(exclude=["ticket", "created_by"])
    payment.save()
    ticket_changed(ticket)
    return payment


@transaction.atomic
def payment_remove(*, payment: Payment, now: datetime | None = None) -> None:
    """Remove a payment from an open ticket; announced so that loyalty gives back the points
    of a points payment at once (R22)."""
    ticket = lock_ticket(payment.ticket_id)
    refuse_unless_open(
        ticket,
        closed_message="This ticket is closed: its payments stay; a Manager settles its balance.",
    )
    current = Payment.objects.filter(pk=payment.pk, ticket=ticket).first()
    if current is None:
        raise PaymentAlreadyRemoved()
    payment_id = current.pk
    current.delete()
    ticket_changed(ticket)
    signals.payment_removed.send(
        sender=Ticket,
        ticket=ticket,
        payment=current,
        payment_id=payment_id,
        now=now or timezone.now(),
    )
