"""Checks shared by the ticket services: exact numbers in, the ticket's state, and who may
change a closed ticket (R16, R30, R32, SPEC §10)."""

from decimal import Decimal

from salon.errors import PermissionRefused
from salon.limits import NotAPlainNumber, plain_decimal
from staff.errors import StaffInactive

from .errors import (
    InvalidNumber,
    NotExactDecimal,
    ReasonRequired,
    TicketNotOpen,
    TicketVoided,
)
from .models import Ticket, TicketStatus

ADJUST_CLOSED_TICKET = "tickets.adjust_closed_ticket"


def exact_decimal(value, *, field: str) -> Decimal:
    """Money and percentages come as Decimal (or an exact str/int); floats are refused."""
    if isinstance(value, (bool, float)):
        raise NotExactDecimal(field=field)
    try:
        return plain_decimal(value, field=field)  # R76: no " 5 ", "1e3" or Arabic-Indic digits
    except NotAPlainNumber:
        raise InvalidNumber(field=field) from None


def optional_decimal(value, *, field: str) -> Decimal | None:
    return None if value is None else exact_decimal(value, field=field)


def refuse_unless_open(ticket: Ticket, *, closed_message: str) -> None:
    if ticket.status == TicketStatus.VOIDED:
        raise TicketVoided()
    if ticket.status == TicketStatus.CLOSED:
        raise TicketNotOpen(closed_message)


def require_manager_and_reason(*, user, reason: str, action: str) -> str:
    """Closed tickets change only by a Manager, with a reason (R16, SPEC §10)."""
    if user is None or not user.has_perm(ADJUST_CLOSED_TICKET):
        raise PermissionRefused(f"Only a Manager may {action} a closed ticket.")
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(field="reason")
    return reason


def staff_active_check(staff) -> None:
    """A line or a tip names an active staff member, or none (R41, R45)."""
    if staff is not None and not staff.active:
        raise StaffInactive(f"{staff.name} is no longer active: choose another.")
