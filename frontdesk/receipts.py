"""A closed or voided ticket's receipt (R49), composed from tickets, the salon settings and
loyalty: the JSON, the print page and the texts and e-mails read this one selector.

It lives in frontdesk because a receipt shows the points a visit earned and the balance
after it, and only frontdesk may read loyalty beside tickets (SPEC §1). Its queries don't
grow with the number of lines, tips or payments.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Max, Prefetch
from django.utils import timezone

from clients.models import Client
from frontdesk.errors import ReceiptForOpenTicket
from loyalty.models import PointsEntry
from loyalty.rewards_box import client_points_balance
from salon.selectors import salon_settings_get
from tickets.models import PaymentMethod, Ticket, TicketLine, TicketStatus, Tip
from tickets.selectors import ticket_amounts_of, ticket_list_with_totals


@dataclass(frozen=True)
class ReceiptLine:
    item: str
    staff: str | None
    quantity: int
    unit_price: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    tax_percent: Decimal | None
    tax_included: bool


@dataclass(frozen=True)
class ReceiptTip:
    staff: str | None
    amount: Decimal


@dataclass(frozen=True)
class ReceiptPayment:
    method: str
    label: str
    amount: Decimal
    points: int | None
    tendered: Decimal | None
    change: Decimal | None

    @property
    def display(self) -> str:
        """How the receipt names it: "Rewards 500 pts ($5.00)" for points (R49)."""
        if self.method == PaymentMethod.POINTS:
            return f"Rewards {self.points:,} pts (${self.amount:,.2f})"
        return self.label


@dataclass(frozen=True)
class ReceiptPoints:
    earned: int
    pending: int
    redeemable: int
    redeemable_from: datetime | None


@dataclass(frozen=True)
class Receipt:
    salon_name: str
    salon_address: str
    salon_phone: str
    number: int
    status: str
    closed_at: datetime | None
    voided_at: datetime | None
    client: str | None
    client_id: int | None
    lines: list[ReceiptLine]
    subtotal: Decimal
    tax: Decimal
    tips: Decimal
    tip_lines: list[ReceiptTip]
    total: Decimal
    payments: list[ReceiptPayment]
    tendered: Decimal | None
    change: Decimal | None
    points: ReceiptPoints | None
    footer: str

    @property
    def prices_include_tax(self) -> bool:
        """Whether the tax shown was inside the prices (every taxed line priced with it)."""
        taxed = [line for line in self.lines if line.tax_percent is not None]
        return bool(taxed) and all(line.tax_included for line in taxed)

    @property
    def salon_address_lines(self) -> list[str]:
        return [line for line in self.salon_address.splitlines() if line.strip()]


def _staff_name(row) -> str | None:
    return None if row.staff is None else row.staff.name


def _local(moment: datetime | None) -> datetime | None:
    """Receipts speak the salon's time (TIME_ZONE), never UTC (R49)."""
    return None if moment is None else timezone.localtime(moment)


def _points_after(*, client: Client, earned: int, now: datetime) -> ReceiptPoints:
    """What the visit earned and where the client's balance stands now (R49, §18)."""
    balance = client_points_balance(client=client, now=now)
    redeemable_from = None
    if balance.pending > 0:
        # All the pending points are redeemable once the last of them clears its hold (R15).
        redeemable_from = PointsEntry.objects.filter(client=client, available_at__gt=now).aggregate(
            until=Max("available_at")
        )["until"]
    return ReceiptPoints(
        earned=earned,
        pending=balance.pending,
        redeemable=balance.redeemable,
        redeemable_from=_local(redeemable_from),
    )


def ticket_receipt(*, ticket_id: int, now: datetime | None = None) -> Receipt:
    """The receipt of a closed or voided ticket; an open ticket is refused (R49)."""
    now = now or timezone.now()
    ticket = (
        ticket_list_with_totals(
            queryset=Ticket.objects.select_related("client").prefetch_related(
                Prefetch("lines", queryset=TicketLine.objects.select_related("item", "staff")),
                Prefetch("tips", queryset=Tip.objects.select_related("staff")),
                "payments",
            )
        )
        .filter(pk=ticket_id)
        .get()
    )
    if ticket.status == TicketStatus.OPEN:
        raise ReceiptForOpenTicket()
    salon = salon_settings_get()
    amounts = ticket_amounts_of(ticket)
    payments = [
        ReceiptPayment(
            method=payment.method,
            label=payment.get_method_display(),
            amount=payment.amount,
            points=payment.points,
            tendered=payment.tendered,
            change=payment.change,
        )
        for payment in ticket.payments.all()
    ]
    cash_tendered = [payment for payment in payments if payment.tendered is not None]
    client = ticket.client
    return Receipt(
        salon_name=salon.name,
        salon_address=salon.address,
        salon_phone=salon.phone,
        number=ticket.pk,
        status=ticket.status,
        closed_at=_local(ticket.closed_at),
        voided_at=_local(ticket.voided_at),
        client=None if client is None else str(client),
        client_id=None if client is None else client.pk,
        lines=[
            ReceiptLine(
                item=line.item.name,
                staff=_staff_name(line),
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.quantity * line.unit_price - line.net_amount,
                net=line.net_amount,
                tax=line.tax,
                tax_percent=line.tax_percent,
                tax_included=line.tax_included,
            )
            for line in ticket.lines.all()
        ],
        subtotal=amounts.subtotal,
        tax=amounts.tax,
        tips=amounts.tips,
        tip_lines=[
            ReceiptTip(staff=_staff_name(tip), amount=tip.amount) for tip in ticket.tips.all()
        ],
        total=amounts.total,
        payments=payments,
        tendered=sum((p.tendered for p in cash_tendered), Decimal("0.00"))
        if cash_tendered
        else None,
        change=sum((p.change for p in cash_tendered), Decimal("0.00")) if cash_tendered else None,
        points=(
            None
            if client is None
            else _points_after(
                client=client, earned=getattr(ticket, "points_earned", 0) or 0, now=now
            )
        ),
        footer=salon.receipt_footer,
    )
