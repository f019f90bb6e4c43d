"""A ticket's lines: add, change, remove (R16, R21, R30, R32)."""

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from catalog.errors import ItemInactive, NegativePrice
from catalog.models import Item, ItemKind
from salon.money import round_money, tax_on_net
from salon.selectors import salon_settings_get

from . import spend
from .adjustments import adjustment_record, line_values
from .checks import (
    exact_decimal,
    optional_decimal,
    refuse_unless_open,
    require_manager_and_reason,
    staff_active_check,
)
from .errors import (
    DiscountExceedsLine,
    DiscountOverHundredPercent,
    ItemRequired,
    NegativeDiscount,
    PackageRedemptionNotService,
    PackageRedemptionPriced,
    QuantityBelowOne,
    QuantityNotWhole,
    TicketVoided,
    TotalBelowPaid,
    TotalBelowPointsPaid,
    TwoDiscounts,
    UnknownItem,
)
from .locks import lock_line, lock_ticket, ticket_changed
from .models import Ticket, TicketAdjustment, TicketLine, TicketStatus
from .selectors import ticket_points_room

HUNDRED = Decimal("100")
ZERO = Decimal("0.00")
# A line's staff may be None (no one named, R41), so "leave it as it is" needs its own value.
STAFF_UNCHANGED = object()


def line_net_amount(
    *,
    quantity: int,
    unit_price: Decimal,
    discount_amount: Decimal | None,
    discount_percent: Decimal | None,
) -> Decimal:
    """quantity x unit price - discount, rounded half-up to cents (R30, R32).

    Validates the figures (quantity ≥ 1, price ≥ 0, at most one discount, a discount no
    larger than the line) and raises DomainError naming the field otherwise.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise QuantityNotWhole(field="quantity")
    if quantity < 1:
        raise QuantityBelowOne(field="quantity")
    if unit_price < 0:
        raise NegativePrice(field="unit_price")
    if discount_amount is not None and discount_percent is not None:
        raise TwoDiscounts(
            field="discount_amount",
        )
    line_amount = quantity * unit_price
    discount = ZERO
    if discount_amount is not None:
        if discount_amount < 0:
            raise NegativeDiscount(field="discount_amount")
        if discount_amount > line_amount:
            raise DiscountExceedsLine(
                f"The discount can't be more than the line amount ({round_money(line_amount)}).",
                field="discount_amount",
            )
        discount = discount_amount
    if discount_percent is not None:
        if discount_percent < 0:
            raise NegativeDiscount(field="discount_percent")
        if discount_percent > HUNDRED:
            raise DiscountOverHundredPercent(field="discount_percent")
        discount = line_amount * discount_percent / HUNDRED
    return round_money(line_amount - discount)


def line_tax(*, net: Decimal, line: TicketLine) -> Decimal:
    """The line's tax on `net` at the rate and pricing it was added under (R43)."""
    if line.tax_percent is None:
        return ZERO
    return tax_on_net(net=net, percent=line.tax_percent, prices_include_tax=line.tax_included)


def line_adds_to_total(line: TicketLine) -> Decimal:
    """What the line adds to the ticket's total (R44): its net, plus its tax when the price
    didn't contain it."""
    return line.net_amount + (ZERO if line.tax_included else line.tax)


def _guard_open_ticket_total(*, ticket: Ticket, change: Decimal) -> None:
    """R21: after a line change on an open ticket, the total must stay above its points
    payments and not fall below its payments."""
    current = ticket_points_room(ticket=ticket)
    room = replace(current, total=current.total + change)
    if not room.points_fit:
        raise TotalBelowPointsPaid(
            f"The total without tips ({room.points_may_pay}) must stay above the points paid "
            f"({room.points_paid}); remove the points payment first."
        )
    if room.total < room.paid:
        raise TotalBelowPaid(
            f"The total ({room.total}) can't fall below what was paid ({room.paid}); "
            "remove a payment first."
        )


@transaction.atomic
def ticket_add_line(
    *,
    ticket: Ticket,
    item: Item,
    quantity: int = 1,
    unit_price: Decimal | None = None,
    discount_amount: Decimal | None = None,
    discount_percent: Decimal | None = None,
    package_redemption: bool = False,
    staff=None,
    from_visit: bool = False,
) -> TicketLine:
    """Add a line to an open ticket (R30, R32); a closed ticket is adjusted instead (R16).

    The unit price defaults to the item's. A package redemption (R9) is a service performed
    against a package or membership: service items only, always priced 0. The item's tax
    rate and the salon's `prices_include_tax` are copied onto the line (R43), so later
    changes to either touch no line already added. `from_visit` (the line opening a
    ticket for its appointment or reservation, R48) takes the item even if it is no longer
    sold: the visit happened. `staff` (R41) performed the service or sold the product: an
    active staff member, except on the visit's own line, which takes the appointment's.
    """
    ticket = lock_ticket(ticket)
    refuse_unless_open(
        ticket,
        closed_message="This ticket is closed: new lines can't be added; adjust it instead.",
    )
    if item is None or item.pk is None:
        raise ItemRequired(field="item")
    item = Item.objects.select_related("tax_rate").filter(pk=item.pk).first()
    if item is None:
        raise UnknownItem(field="item")
    if not item.active and not from_visit:
        raise ItemInactive(f"{item} is no longer sold (inactive).", field="item")
    if not from_visit:
        staff_active_check(staff)
    if package_redemption and item.kind != ItemKind.SERVICE:
        raise PackageRedemptionNotService(field="package_redemption")
    if unit_price is None:
        unit_price = ZERO if package_redemption else item.price
    unit_price = exact_decimal(unit_price, field="unit_price")
    discount_amount = optional_decimal(discount_amount, field="discount_amount")
    discount_percent = optional_decimal(discount_percent, field="discount_percent")
    if package_redemption and unit_price != 0:
        raise PackageRedemptionPriced(field="unit_price")
    net_amount = line_net_amount(
        quantity=quantity,
        unit_price=unit_price,
        discount_amount=discount_amount,
        discount_percent=discount_percent,
    )
    line = TicketLine(
        ticket=ticket,
        item=item,
        quantity=quantity,
        unit_price=unit_price,
        discount_amount=discount_amount,
        discount_percent=discount_percent,
        package_redemption=package_redemption,
        staff=staff,
        net_amount=net_amount,
        tax_percent=item.tax_rate.percent if item.tax_rate is not None else None,
        tax_included=salon_settings_get().prices_include_tax,
    )
    line.tax = line_tax(net=net_amount, line=line)
    line.full_clean(exclude=["ticket", "item", "staff"])
    line.save()
    ticket_changed(ticket)
    return line


@transaction.atomic
def ticket_update_line(
    *,
    line: TicketLine,
    user,
    quantity: int | None = None,
    unit_price: Decimal | None = None,
    discount_amount: Decimal | None = None,
    discount_percent: Decimal | None = None,
    staff=STAFF_UNCHANGED,
    reason: str = "",
    now: datetime | None = None,
) -> TicketLine:
    """Change a line's quantity, unit price, discount or staff member (R30, R32, R41).

    None leaves a figure as it is; `staff=None` names no one for the line (staff is
    optional, R41). Giving one discount replaces the other; a discount of 0 removes it.
    On an open ticket any staff may change it (within R21); on a closed ticket only a
    Manager, with a reason, and the change is recorded and announced (R16).
    """
    ticket, line = lock_line(line)
    was_closed, reason = _may_change_lines(ticket, user=user, reason=reason)
    if discount_amount is not None and discount_percent is not None:
        raise TwoDiscounts(
            field="discount_amount",
        )
    old_values = line_values(line)
    old_adds = line_adds_to_total(line)
    new_quantity = line.quantity if quantity is None else quantity
    new_price = (
        line.unit_price if unit_price is None else exact_decimal(unit_price, field="unit_price")
    )
    new_discount_amount, new_discount_percent = line.discount_amount, line.discount_percent
    if discount_amount is not None:
        new_discount_amount = exact_decimal(discount_amount, field="discount_amount") or None
        new_discount_percent = None
    if discount_percent is not None:
        new_discount_percent = exact_decimal(discount_percent, field="discount_percent") or None
        new_discount_amount = None
    if line.package_redemption and new_price != 0:
        raise PackageRedemptionPriced(field="unit_price")
    new_net = line_net_amount(
        quantity=new_quantity,
        unit_price=new_price,
        discount_amount=new_discount_amount,
        discount_percent=new_discount_percent,
    )
    line.quantity = new_quantity
    line.unit_price = new_price
    line.discount_amount = new_discount_amount
    line.discount_percent = new_discount_percent
    line.net_amount = new_net
    line.tax = line_tax(net=new_net, line=line)
    if staff is None:
        line.staff = None
    elif staff is not STAFF_UNCHANGED and staff.pk != line.staff_id:
        staff_active_check(staff)
        line.staff = staff
    line.full_clean(exclude=["ticket", "item", "staff"])
    new_values = line_values(line)
    if new_values == old_values:
        return line
    if not was_closed:
        _guard_open_ticket_total(ticket=ticket, change=line_adds_to_total(line) - old_adds)
    _line_write(
        line.save,
        line=line,
        ticket=ticket,
        was_closed=was_closed,
        kind=TicketAdjustment.Kind.LINE_CHANGED,
        old_values=old_values,
        new_values=new_values,
        reason=reason,
        user=user,
        now=now,
    )
    return line


@transaction.atomic
def ticket_remove_line(
    *, line: TicketLine, user, reason: str = "", now: datetime | None = None
) -> None:
    """Remove a line: freely on an open ticket (within R21), by a Manager with a reason on a
    closed one, recorded and announced (R16)."""
    ticket, line = lock_line(line)
    was_closed, reason = _may_change_lines(ticket, user=user, reason=reason)
    if not was_closed:
        _guard_open_ticket_total(ticket=ticket, change=-line_adds_to_total(line))
    _line_write(
        line.delete,
        line=line,
        ticket=ticket,
        was_closed=was_closed,
        kind=TicketAdjustment.Kind.LINE_REMOVED,
        old_values=line_values(line),
        new_values={},
        reason=reason,
        user=user,
        now=now,
    )


def _may_change_lines(ticket: Ticket, *, user, reason: str) -> tuple[bool, str]:
    """Whether the (locked) ticket is closed, and the reason to record: a voided ticket's
    lines never change; a closed one's only by a Manager with a reason (R16)."""
    if ticket.status == TicketStatus.VOIDED:
        raise TicketVoided()
    if ticket.status != TicketStatus.CLOSED:
        return False, reason
    return True, require_manager_and_reason(user=user, reason=reason, action="adjust")


def _line_write(
    write,
    *,
    line: TicketLine,
    ticket: Ticket,
    was_closed: bool,
    kind,
    old_values,
    new_values,
    reason: str,
    user,
    now,
) -> None:
    """Save or delete the line (`write`). On a closed ticket its qualifying spend goes out
    as it was and in as it is (R61), and the change is recorded and announced (R16)."""
    line_id = line.pk  # a delete clears it
    if was_closed:
        spend.ticket_spend_count(ticket=ticket, sign=-1)
    write()
    if was_closed:
        spend.ticket_spend_count(ticket=ticket, sign=1)
    ticket_changed(ticket)
    if was_closed:
        adjustment_record(
            ticket=ticket,
            kind=kind,
            line_id=line_id,
            old_values=old_values,
            new_values=new_values,
            reason=reason,
            user=user,
            now=now,
        )
