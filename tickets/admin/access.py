"""Who may change what on a ticket's admin page (R16, §10), shared by its inlines."""

from staff.models import Staff
from tickets.checks import ADJUST_CLOSED_TICKET
from tickets.models import (
    Ticket,
    TicketStatus,
)


def may_adjust_closed(request) -> bool:
    return request.user.has_perm(ADJUST_CLOSED_TICKET)


def open_or_new(ticket: Ticket | None) -> bool:
    """The ticket being added, or an open one: rows are added (and payments and tips
    removed) only then (R32, R45, R47)."""
    return ticket is None or ticket.status == TicketStatus.OPEN


def editable(request, ticket: Ticket | None) -> bool:
    """Open tickets are anyone's; closed ones a Manager's; voided ones no one's (R16, §10)."""
    if open_or_new(ticket):
        return True
    return ticket.status == TicketStatus.CLOSED and may_adjust_closed(request)


class StaffChoicesOnce:
    """Inline rows choose a staff member (R41, R45) from one list read once per page: a
    model choice field would query the staff table again for every row."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "staff" and field is not None:
            # Lines and tips both ask, on every form build: read the staff once a request.
            if not hasattr(request, "staff_choices"):
                request.staff_choices = [
                    ("", "---------"),
                    *(
                        (staff.pk, staff.name if staff.active else f"{staff.name} (inactive)")
                        for staff in Staff.objects.order_by("-active", "name")
                    ),
                ]
            field.choices = request.staff_choices
        return field


class AddedWhileOpen:
    """Lines, payments and tips are added on an open ticket only, with one empty row to
    fill: a closed ticket is adjusted (R32) or settled (R16)."""

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if open_or_new(obj) else 0

    def has_add_permission(self, request, obj=None):
        return open_or_new(obj) and super().has_add_permission(request, obj)


class AddedOrRemovedWhileOpen(AddedWhileOpen):
    """Payments and tips are added or removed on an open ticket, never edited (R45, R47):
    a closed ticket's balance changes only by a Manager's settlement (R16)."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return open_or_new(obj) and super().has_delete_permission(request, obj)
