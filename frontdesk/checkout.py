"""The checkout's reads (R19-R21, R44): a ticket's payment area (amounts, and the points
usable on it now or why none) and everything the checkout screen shows.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet

from catalog.models import Item
from frontdesk.services import receipt_sends_so_far
from loyalty.controls import ticket_redeemable
from loyalty.earning.preview import TicketClientPoints, ticket_client_points
from loyalty.errors import BelowMinRedemption, RedemptionPaused
from loyalty.rewards_box import RewardsSummary, client_rewards_summary
from salon.errors import DomainError, all_error_classes
from salon.money import points_to_dollars
from staff.selectors import staff_list
from tickets.models import Ticket, TicketStatus
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
        """Whom a new line names first: the appointment's staff member (R41)."""
        appointment = self.ticket.appointment
        return appointment.staff_id if appointment is not None else None

    @property
    def tip_staff_id(self) -> int | None:
        """Whom a new tip names first: who did the first line, else the visit's stylist."""
        named = [line.staff_id for line in self.lines if line.staff_id is not None]
        return named[0] if named else self.visit_staff_id


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
