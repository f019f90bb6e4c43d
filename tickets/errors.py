"""What the ticket services refuse, one class per broken rule (R71, salon/errors.py)."""

from salon.errors import DomainError

from . import selectors


class TicketNotOpen(DomainError):
    code = selectors.TICKET_NOT_OPEN
    message = "Points can only be paid on an open ticket."


class WalkInTicket(DomainError):
    code = selectors.WALK_IN_TICKET
    message = "A walk-in ticket can't be paid with points."


class ExceedsTicketTotal(DomainError):
    code = selectors.EXCEEDS_TICKET_TOTAL
    message = "Points must pay less than the ticket total."


class ExceedsBalanceDue(DomainError):
    code = selectors.EXCEEDS_BALANCE_DUE
    message = "A points payment can't be more than the balance due."


POINTS_REFUSALS = {
    error.code: error
    for error in (TicketNotOpen, WalkInTicket, ExceedsTicketTotal, ExceedsBalanceDue)
}


def points_refusal(room: selectors.PointsRoom, points: int) -> DomainError | None:
    """The error for a points payment of `points` that `room` refuses, worded with the
    ticket's figures (an error about the number of points when it is too many); None when
    it fits (R21)."""
    code = room.refusal_for(points)
    if code is None:
        return None
    field = "points"
    if code == selectors.EXCEEDS_TICKET_TOTAL:
        message = (
            f"Points can pay less than the ticket total ({room.total}) only; "
            f"already paid with points: {room.points_paid}."
        )
    elif code == selectors.EXCEEDS_BALANCE_DUE:
        message = f"A redemption can't be more than the balance due ({room.balance_due})."
    else:
        message, field = None, None
    return POINTS_REFUSALS[code](message, field=field)
