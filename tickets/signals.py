"""Events tickets announce, all sent inside the transaction that makes the change (SPEC §1),
while that transaction holds the ticket's row lock (every service locks the ticket first).

tickets never imports loyalty (or any app below it); those apps listen here. Every signal
is sent with sender=Ticket and the keyword arguments named below.
"""

from django.dispatch import Signal

# ticket=Ticket (now closed), now=datetime. Sent once per close; a second close is a no-op.
ticket_closed = Signal()

# ticket=Ticket (now voided), was_closed=bool, now=datetime.
ticket_voided = Signal()

# ticket=Ticket (closed), adjustment=TicketAdjustment, now=datetime. A closed ticket's line
# changed or was removed; listeners re-compute what the ticket should have earned.
ticket_adjusted = Signal()

# ticket=Ticket, payment=Payment (already deleted; its pk kept in payment_id), payment_id=int,
# now=datetime. Sent when a payment is removed from an open ticket.
payment_removed = Signal()
