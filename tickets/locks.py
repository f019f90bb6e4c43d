"""The one way to lock a ticket (R23, SPEC §1): every service that changes a ticket, its
lines, its payments or the points and feedback hanging off it starts here, so locks are
always taken ticket first and two writers of one ticket serialize."""

from django.utils import timezone

from . import sql
from .errors import LineAlreadyRemoved
from .models import Ticket, TicketLine


def lock_ticket(ticket: Ticket | int) -> Ticket:
    """The ticket's row, locked until the transaction ends, re-read after the lock."""
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    locked = sql.ticket_row_lock(pk)
    if locked is None:
        raise Ticket.DoesNotExist("Ticket matching query does not exist.")
    return locked


def lock_line(line: TicketLine) -> tuple[Ticket, TicketLine]:
    """The line's ticket locked, then the line re-read under that lock."""
    ticket = lock_ticket(line.ticket_id)
    current = TicketLine.objects.select_related("item").filter(pk=line.pk, ticket=ticket).first()
    if current is None:
        raise LineAlreadyRemoved()
    current.ticket = ticket
    return ticket, current


def ticket_changed(ticket: Ticket) -> None:
    """Its lines or payments changed: the ticket's updated_at moves, so that an app syncing
    with `?updated_since=` reads it again (R75). Called under the ticket's lock."""
    ticket.updated_at = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=ticket.updated_at)
