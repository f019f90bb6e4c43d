"""The front desk's ticket screen (R16, R29-R32), one module per part of it: the ticket
(ticket.py), its lines (lines.py), payments and tips (payments.py), the record of closed-ticket
changes (adjustments.py), and who may change what (access.py). Every change goes through the
tickets services; a service's refusal rolls the whole submit back and shows as an admin
message. Importing the modules registers their admins."""

from tickets.admin import adjustments, ticket

__all__ = ["adjustments", "ticket"]
