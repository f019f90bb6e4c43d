"""Paying part of an open ticket with points (R19-R23)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty import ledger
from loyalty.controls import controls_for, controls_refusal
from loyalty.errors import BelowMinRedemption, ExceedsRedeemable, RedemptionPaused, RewardsOff
from loyalty.expiry import client_points_expire
from loyalty.models import EntryKind, PointsEntry
from loyalty.numbers import whole_number
from loyalty.otp import redemption_code_check, redemption_code_use
from loyalty.redemption_rules import balance_refusal, redemption_closed
from loyalty.rewards_box import client_points_balance
from loyalty.selectors import loyalty_settings_get
from salon.errors import PermissionRefused
from salon.money import dollars_to_points, points_to_dollars
from salon.selectors import features_get
from salon.users import acting_user
from tickets.errors import points_refusal
from tickets.locks import lock_ticket
from tickets.models import Payment, PaymentMethod, Ticket
from tickets.payments import payment_add
from tickets.selectors import ticket_points_room

CLOSED = {error.code: error for error in (RewardsOff, RedemptionPaused)}


def points_redeem(
    *, ticket: Ticket, points, user, now: datetime | None = None, code=None
) -> Payment:
    """Pay part of an open ticket with the client's redeemable points (R19-R22), drawn from
    their lots first-expiring first (R52).

    The client's lots past their date expire first, in a transaction of their own: they were
    never redeemable, and a refused redemption leaves them expired all the same (R54).
    When the salon needs a texted code, a wrong one is counted in its own transaction too.
    """
    _due_points_expire(ticket=ticket, now=now)
    code_id = None
    if loyalty_settings_get().redemption_otp:
        code_id = redemption_code_check(ticket=ticket, code=code, now=now)
    return _points_redeem(ticket=ticket, points=points, user=user, now=now, code_id=code_id)


@transaction.atomic
def _due_points_expire(*, ticket: Ticket, now: datetime | None) -> None:
    """The expiry step, under the ticket's lock: a caller's transaction (an Idempotency-Key,
    the admin's form) holds the balance row it takes until the redemption is done, so the
    ticket must be locked before it, as a close locks them (ticket, then balance), or the
    two deadlock (R23)."""
    client_id = lock_ticket(ticket).client_id
    if client_id is not None:
        client_points_expire(client_ids=[client_id], now=now)


@transaction.atomic
def _points_redeem(
    *, ticket: Ticket, points, user, now: datetime | None, code_id: int | None
) -> Payment:
    """The redemption itself (R19-R22).

    The ticket row is locked first, then the client's balance row, so two redemptions of
    the same points serialize and the second sees the first's debit (R23). What the ticket
    allows is tickets' answer (R21); payment_add enforces it again, and its refusal rolls
    this back too.
    """
    if user is not None and not user.has_perm("loyalty.redeem_points"):
        raise PermissionRefused("Your role may not redeem points.")
    minimum_dollars = loyalty_settings_get().min_redemption_dollars
    closed = redemption_closed(
        rewards_on=features_get().rewards_referrals, min_dollars=minimum_dollars
    )
    if closed is not None:
        raise CLOSED[closed]()
    points = whole_number(points, field="points", minimum=1)
    ticket = lock_ticket(ticket)
    room = ticket_points_room(ticket=ticket)
    refusal = points_refusal(room, points) or controls_refusal(
        controls=controls_for(settings_row=loyalty_settings_get(), ticket=ticket),
        room=room,
        points=points,
    )
    if refusal is not None:
        raise refusal
    ledger.balances_lock([ticket.client_id])
    # The clock is read once the balance row is ours: a redemption committed before has
    # available_at <= now, so it counts as spent, not as "pending" (R15, R23).
    now = now or timezone.now()
    client = ticket.client
    redeemable = client_points_balance(client=client, now=now).redeemable
    refusal = balance_refusal(redeemable=redeemable, min_dollars=minimum_dollars, points=points)
    if refusal == BelowMinRedemption.code:
        minimum = dollars_to_points(minimum_dollars)
        raise BelowMinRedemption(
            f"The client needs at least {minimum} redeemable points "
            f"(${minimum_dollars}) to redeem; they have {redeemable}.",
            field="points",
        )
    if refusal == ExceedsRedeemable.code:
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
    entry = PointsEntry(
        client=client,
        points=-points,
        kind=EntryKind.REDEEM,
        ticket=ticket,
        payment_id=payment.pk,
        created_at=now,
        available_at=now,
        created_by=acting_user(user),
        memo=f"Paid on ticket #{ticket.pk}",
        idempotency_key=f"redeem:{payment.pk}",
    )
    ledger.entries_post([ledger.debit_plan(entry, now=now)])
    if code_id is not None:
        redemption_code_use(code_id=code_id, now=now)
    return payment
