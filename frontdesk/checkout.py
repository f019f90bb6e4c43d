"""The checkout's reads (R19-R21, R44): a ticket's payment area (amounts, and the points
usable on it now or why none) and everything the checkout screen shows.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet

from catalog.models import Item
from loyalty.controls import ticket_redeemable
from loyalty.earning.preview import TicketClientPoints, ticket_client_points
from loyalty.errors import BelowMinRedemption, RedemptionPaused
from loyalty.selectors import (
    RewardsSummary,
    client_rewards_summary,
)
from salon.errors import DomainError, all_error_classes
from salon.money import points_to_dollars
from tickets.models import Ticket
from tickets.selectors import ticket_points_room


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


@dataclass(frozen=True)
class Checkout:
    """Everything the checkout screen shows for one ticket (issue #14)."""

    ticket: Ticket
    lines: list
    payments: list
    payment: TicketPayment
    points: TicketClientPoints | None


def ticket_checkout(*, ticket_id: int, now: datetime | None = None) -> Checkout | None:
    """The ticket with its client and appointment, its lines and payments, and the payment
    area (amounts, the points usable now or why none). None when there is no such ticket."""
    ticket = (
        Ticket.objects.select_related("client", "appointment__item").filter(pk=ticket_id).first()
    )
    if ticket is None:
        return None
    return Checkout(
        ticket=ticket,
        lines=list(ticket.lines.select_related("item")),
        payments=list(ticket.payments.all()),
        payment=ticket_payment(ticket=ticket, now=now),
        points=ticket_client_points(ticket_id=ticket.pk),
    )


def checkout_items() -> QuerySet[Item]:
    """What the desk may add to a ticket: active items, by kind then name."""
    return Item.objects.filter(active=True).order_by("kind", "name")
