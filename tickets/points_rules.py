"""How many points may pay on a ticket (R21, R46): pure rules over the ticket's amounts, the
one answer for payment_add, the line-change guard, loyalty's redemption and the desk's
payment area. No database: tickets/selectors.py reads the amounts (STYLE 14), and
`make mutate` checks that tests/rules/test_points_rules.py catches a wrong number."""

from dataclasses import dataclass
from decimal import Decimal

from salon.money import dollars_to_points

from .models import TicketStatus

ZERO = Decimal("0.00")

WALK_IN_TICKET = "walk_in_ticket"
TICKET_NOT_OPEN = "ticket_not_open"
EXCEEDS_TICKET_TOTAL = "exceeds_ticket_total"
EXCEEDS_BALANCE_DUE = "exceeds_balance_due"


@dataclass(frozen=True)
class PointsRoom:
    """A ticket's amounts as they bear on points payments (R21): the one answer to "how many
    points may pay on this ticket now, and if none, why" for payment_add, the line-change
    guard, loyalty's redemption and the desk's payment area. Pure: built from amounts."""

    status: str
    has_client: bool
    total: Decimal
    paid: Decimal
    points_paid: Decimal
    tips: Decimal = ZERO
    # The rest of the total (R44), for the desk's payment area: the lines' net and tax.
    subtotal: Decimal = ZERO
    tax: Decimal = ZERO

    @property
    def balance_due(self) -> Decimal:
        return self.total - self.paid

    @property
    def points_may_pay(self) -> Decimal:
        """What points may pay for: the ticket but not its tips (R46); points payments stay
        strictly below it."""
        return self.total - self.tips

    def refusal_for(self, points: int) -> str | None:
        """The code of the rule a points payment of `points` would break, or None."""
        if self.status != TicketStatus.OPEN:
            return TICKET_NOT_OPEN
        if not self.has_client:
            return WALK_IN_TICKET
        if dollars_to_points(self.points_paid) + points >= dollars_to_points(self.points_may_pay):
            return EXCEEDS_TICKET_TOTAL  # strictly below total - tips, all points payments
        if points > dollars_to_points(self.balance_due):
            return EXCEEDS_BALANCE_DUE
        return None

    @property
    def points(self) -> int:
        """The most points one more points payment may be now (0: none)."""
        if self.refusal_for(1) is not None:
            return 0
        under_total = (
            dollars_to_points(self.points_may_pay) - dollars_to_points(self.points_paid) - 1
        )
        return min(under_total, dollars_to_points(self.balance_due))

    @property
    def refusal(self) -> str | None:
        """Why no point may pay now (a code), or None when some may."""
        return self.refusal_for(1)

    @property
    def points_fit(self) -> bool:
        """Whether the points already paid stay strictly under total - tips (R21, R46)."""
        return self.points_paid <= 0 or self.points_paid < self.points_may_pay
