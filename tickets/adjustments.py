"""The record of every change to a closed ticket (R16): what changed, why, and by whom."""

from datetime import datetime

from django.utils import timezone

from salon.users import acting_user

from . import signals
from .models import Ticket, TicketAdjustment, TicketLine


def line_values(line: TicketLine) -> dict:
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
        "tax": text(line.tax),
        "staff": line.staff_id,
    }


def adjustment_record(
    *,
    ticket: Ticket,
    kind: str,
    line_id: int | None,
    old_values: dict,
    new_values: dict,
    reason: str,
    user,
    now: datetime | None,
    announce: bool = True,
) -> TicketAdjustment:
    """Write the adjustment row; announce a change of lines so that earnings follow (R16)."""
    adjustment = TicketAdjustment(
        ticket=ticket,
        kind=kind,
        line_id=line_id,
        old_values=old_values,
        new_values=new_values,
        reason=reason,
        created_by=acting_user(user),
    )
    adjustment.full_clean(exclude=["ticket", "created_by"])
    adjustment.save()
    if announce:
        signals.ticket_adjusted.send(
            sender=Ticket, ticket=ticket, adjustment=adjustment, now=now or timezone.now()
        )
    return adjustment
