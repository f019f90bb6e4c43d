"""Checks shared by the ticket services: exact numbers in, the ticket's state, and who may
change a closed ticket (R16, R30, R32, SPEC §10)."""

from decimal import Decimal, InvalidOperation

from salon.errors import DomainError, PermissionRefused

from .models import Ticket, TicketStatus

ADJUST_CLOSED_TICKET = "tickets.adjust_closed_ticket"


def exact_decimal(value, *, field: str) -> Decimal:
    """Money and percentages come as Decimal (or an exact str/int); floats are refused."""
    if isinstance(value, (bool, float)):
        raise DomainError("Give an exact decimal number.", field=field)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise DomainError("Give a valid number.", field=field) from error
    if not number.is_finite():
        raise DomainError("Give a valid number.", field=field)
    return number


def optional_decimal(value, *, field: str) -> Decimal | None:
    return None if value is None else exact_decimal(value, field=field)


def refuse_unless_open(ticket: Ticket, *, closed_message: str) -> None:
    if ticket.status == TicketStatus.VOIDED:
        raise DomainError("This ticket is voided; nothing on it can change.")
    if ticket.status == TicketStatus.CLOSED:
        raise DomainError(closed_message)


def require_manager_and_reason(*, user, reason: str, action: str) -> str:
    """Closed tickets change only by a Manager, with a reason (R16, SPEC §10)."""
    if user is None or not user.has_perm(ADJUST_CLOSED_TICKET):
        raise PermissionRefused(f"Only a Manager may {action} a closed ticket.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason for changing a closed ticket.", field="reason")
    return reason
