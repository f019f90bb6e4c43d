"""What the ticket services refuse, one class per broken rule (R71, salon/errors.py).

A message with the ticket's figures is passed when raised; the class's message is the
plain rule.
"""

from salon.errors import DomainError

from . import points_rules

# --- figures given -------------------------------------------------------------------------


class NotExactDecimal(DomainError):
    code = "not_exact_decimal"
    message = "Give an exact decimal number."


class InvalidNumber(DomainError):
    code = "invalid_number"
    message = "Give a valid number."


# --- the ticket's state --------------------------------------------------------------------


class TicketNotOpen(DomainError):
    code = points_rules.TICKET_NOT_OPEN
    message = "This ticket isn't open: it is closed or voided."


class TicketVoided(TicketNotOpen):
    code = "ticket_voided"
    message = "This ticket is voided; nothing on it can change."


class TicketNotClosed(DomainError):
    """Settling (R16) and feedback alike need a closed ticket; each says why in its words."""

    code = "ticket_not_closed"
    message = "This ticket isn't closed."


class ReasonRequired(DomainError):
    code = "reason_required"
    message = "Give a reason for changing a closed ticket."


class AppointmentOfAnotherClient(DomainError):
    code = "appointment_of_another_client"
    message = "This appointment belongs to another client."


class ReservationOfAnotherClient(DomainError):
    code = "reservation_of_another_client"
    message = "This reservation belongs to another client."


class TicketHasNoLines(DomainError):
    code = "ticket_has_no_lines"
    message = "This ticket has no lines: there is nothing to close."


class TicketNotSettled(DomainError):
    code = "ticket_not_settled"
    message = "Payments must equal the total to close."


# --- lines (R30, R32, R9) ------------------------------------------------------------------


class LineAlreadyRemoved(DomainError):
    code = "line_already_removed"
    message = "This line was already removed."


class ItemRequired(DomainError):
    code = "item_required"
    message = "Choose an item."


class UnknownItem(DomainError):
    code = "unknown_item"
    message = "This item doesn't exist."


class LineItemChanged(DomainError):
    code = "line_item_changed"
    message = "To sell another item, remove the line and add a new one."


class PackageRedemptionNotService(DomainError):
    code = "package_redemption_not_service"
    message = "Only a service can be a package redemption."


class PackageRedemptionPriced(DomainError):
    code = "package_redemption_priced"
    message = "A package redemption is priced 0."


class QuantityNotWhole(DomainError):
    code = "quantity_not_whole"
    message = "Quantity must be a whole number."


class QuantityBelowOne(DomainError):
    code = "quantity_below_one"
    message = "Quantity must be at least 1."


class TwoDiscounts(DomainError):
    code = "two_discounts"
    message = "Give either a discount amount or a discount percent, not both."


class NegativeDiscount(DomainError):
    code = "negative_discount"
    message = "A discount can't be negative."


class DiscountExceedsLine(DomainError):
    code = "discount_exceeds_line"
    message = "The discount can't be more than the line amount."


class DiscountOverHundredPercent(DomainError):
    code = "discount_over_hundred_percent"
    message = "A discount can't be more than 100 %."


class TotalBelowPointsPaid(DomainError):
    code = "total_below_points_paid"
    message = "The total must stay above the points paid; remove the points payment first."


class TotalBelowPaid(DomainError):
    code = "total_below_paid"
    message = "The total can't fall below what was paid; remove a payment first."


# --- payments (R21, R22, R32) and settling (R16) ---------------------------------------------


class PaymentAlreadyRemoved(DomainError):
    code = "payment_already_removed"
    message = "This payment was already removed."


class UnknownPaymentMethod(DomainError):
    code = "unknown_payment_method"
    message = "Unknown payment method."


class PaymentNotPositive(DomainError):
    code = "payment_not_positive"
    message = "A payment must be more than 0."


class InvalidPoints(DomainError):
    code = "invalid_points"
    message = "Give a whole number of points, at least 1."


class PointsAmountMismatch(DomainError):
    code = "points_amount_mismatch"
    message = "A points payment is worth points / 100 dollars."


class PointsOnOtherMethod(DomainError):
    code = "points_on_other_method"
    message = "Only a points payment carries points."


class WalkInTicket(DomainError):
    code = points_rules.WALK_IN_TICKET
    message = "A walk-in ticket can't be paid with points."


class ExceedsTicketTotal(DomainError):
    code = points_rules.EXCEEDS_TICKET_TOTAL
    message = "Points must pay less than the ticket total."


class ExceedsBalanceDue(DomainError):
    code = points_rules.EXCEEDS_BALANCE_DUE
    message = "That is more than the balance due."


class SettleMethodRefused(DomainError):
    code = "settle_method_refused"
    message = "Settle with cash, card, check or gift card (not points)."


class BalanceSettled(DomainError):
    code = "balance_settled"
    message = "This ticket's balance is settled already."


class SettleAmountOutOfRange(DomainError):
    code = "settle_amount_out_of_range"
    message = "Take a payment up to the balance due, or refund down to it."


POINTS_REFUSALS = {
    error.code: error
    for error in (TicketNotOpen, WalkInTicket, ExceedsTicketTotal, ExceedsBalanceDue)
}


def points_refusal(room: points_rules.PointsRoom, points: int) -> DomainError | None:
    """The error for a points payment of `points` that `room` refuses, worded with the
    ticket's figures (an error about the number of points when it is too many); None when
    it fits (R21)."""
    code = room.refusal_for(points)
    if code is None:
        return None
    field = "points"
    if code == points_rules.EXCEEDS_TICKET_TOTAL:
        message = (
            f"Points can pay less than the ticket total without tips ({room.points_may_pay}) "
            f"only; already paid with points: {room.points_paid}."
        )
    elif code == points_rules.EXCEEDS_BALANCE_DUE:
        message = f"A redemption can't be more than the balance due ({room.balance_due})."
    elif code == points_rules.TICKET_NOT_OPEN:
        message, field = "Points can only be paid on an open ticket.", None
    else:
        message, field = None, None
    return POINTS_REFUSALS[code](message, field=field)


class TipNotPositive(DomainError):
    code = "tip_not_positive"
    message = "A tip must be more than 0."


class TipOnClosedTicket(TicketNotOpen):
    """R45's wording of the open-ticket rule (its code is TicketNotOpen's)."""

    message = "Tips are added to and removed from open tickets only."


class TenderedNotCash(DomainError):
    code = "tendered_not_cash"
    message = "Only a cash payment has an amount tendered."


class TenderedBelowAmount(DomainError):
    code = "tendered_below_amount"
    message = "The cash tendered can't be less than the amount paid."


class ClientLockedByPoints(DomainError):
    code = "client_locked_by_points"
    message = "Points already paid on this ticket: remove the points payment to change the client."


class TotalBelowPayments(DomainError):
    code = "total_below_payments"
    message = "The total can't fall below what was paid: remove a payment first."


class ClientRequired(DomainError):
    code = "client_required"
    message = "Choose a client."
