"""Paying part of an open ticket with points (R19-R23)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty import ledger
from loyalty.errors import BelowMinRedemption, ExceedsRedeemable, RedemptionPaused, RewardsOff
from loyalty.models import EntryKind, PointsEntry
from loyalty.numbers import whole_number
from loyalty.selectors import client_points_balance, loyalty_settings_get
from salon.errors import PermissionRefused
from salon.money import dollars_to_points, points_to_dollars
from salon.selectors import features_get
from tickets.errors import points_refusal
from tickets.locks import lock_ticket
from tickets.models import Payment, PaymentMethod, Ticket
from tickets.payments import payment_add
from tickets.selectors import ticket_points_room


@transaction.atomic
def points_redeem(*, ticket: Ticket, points, user, now: datetime | None = None) -> Payment:
    """Pay part of an open ticket with the client's redeemable points (R19-R22).

    The ticket row is locked first, then the client's balance row, so two redemptions of
    the same points serialize and the second sees the first's debit (R23). What the ticket
    allows is tickets' answer (R21); payment_add enforces it again, and its refusal rolls
    this back too.
    """
    if user is not None and not user.has_perm("loyalty.redeem_points"):
        raise PermissionRefused("Your role may not redeem points.")
    if not features_get().rewards_referrals:
        raise RewardsOff()
    minimum_dollars = loyalty_settings_get().min_redemption_dollars
    if minimum_dollars == 0:
        raise RedemptionPaused()
    points = whole_number(points, field="points", minimum=1)
    ticket = lock_ticket(ticket)
    refusal = points_refusal(ticket_points_room(ticket=ticket), points)
    if refusal is not None:
        raise refusal
    ledger.balances_lock([ticket.client_id])
    # The clock is read once the balance row is ours: a redemption committed before has
    # available_at <= now, so it counts as spent, not as "pending" (R15, R23).
    now = now or timezone.now()
    client = ticket.client
    redeemable = client_points_balance(client=client, now=now).redeemable
    minimum = dollars_to_points(minimum_dollars)
    if redeemable < minimum:
        raise BelowMinRedemption(
            f"The client needs at least {minimum} redeemable points "
            f"(${minimum_dollars}) to redeem; they have {redeemable}.",
            field="points",
        )
    if points > redeemable:
        raise ExceedsRedeemable(
            f"The client has only {redeemable} redeemable points.", field="points"
        )
    payment = payment_add(
        ticket=ticket,
        method=PaymentMethod.POINTS,
        amount=points_to_dollars(points),
        points=points,
        user=user,
    )
    ledger.entries_post(
        [
            PointsEntry(
                client=client,
                points=-points,
                kind=EntryKind.REDEEM,
                ticket=ticket,
                payment_id=payment.pk,
                created_at=now,
                available_at=now,
                created_by=user,
                memo=f"Paid on ticket #{ticket.pk}",
                idempotency_key=f"redeem:{payment.pk}",
            )
        ]
    )
    return payment
