"""What a ticket earns its client, for the desk's checkout (issue #14): before the close,
what closing it now would earn at today's rules; after, what it holds. Reads only: the
rules are loyalty.earning.rules', run on the ticket's state as if it closed now."""

from dataclasses import dataclass, replace

from django.utils import timezone

from loyalty.actions import Beneficiary
from loyalty.earning.fetch import ticket_ledger_state
from loyalty.earning.rules import expected_points, snapshot_take
from loyalty.promotions import promotions_for_close
from tickets.models import TicketStatus


@dataclass(frozen=True)
class TicketClientPoints:
    """`will_earn` on an open ticket, `earned` on a closed one (net of its adjustments);
    the other is None."""

    will_earn: int | None
    earned: int | None


def ticket_client_points(*, ticket_id: int) -> TicketClientPoints | None:
    """The client's points from this ticket (R3-R11): one statement. None for a walk-in
    or a voided ticket."""
    today = timezone.localdate()
    state = ticket_ledger_state(ticket_id=ticket_id, today=today)
    if state is None or state.client_id is None or state.status == TicketStatus.VOIDED:
        return None
    if state.status == TicketStatus.OPEN:
        closing = replace(state, status=TicketStatus.CLOSED)
        promotions = []
        if state.promotions_running:  # as the close would pick them (R62)
            promotions = promotions_for_close(client_id=state.client_id, on=today)
        snapshot = snapshot_take(state=closing, promotions=promotions)
        expected = expected_points(state=closing, snapshot=snapshot)
        will_earn = sum(
            points
            for (_, beneficiary), points in expected.items()
            if beneficiary == Beneficiary.CLIENT
        )
        return TicketClientPoints(will_earn=will_earn, earned=None)
    earned = sum(
        points
        for (_, beneficiary), (points, _) in state.held.items()
        if beneficiary == Beneficiary.CLIENT
    )
    return TicketClientPoints(will_earn=None, earned=earned)
