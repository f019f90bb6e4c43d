"""Redemption controls (R57) as pure rules: how many points one more redemption on a ticket
may be under the Manager's limits, and which limit refuses a request. No database: the
ticket's PointsRoom (R21) and the limits are read by loyalty/controls.py (STYLE 14), and
`make mutate` checks that tests/rules/test_control_rules.py catches a wrong number."""

from dataclasses import dataclass
from decimal import Decimal

from loyalty.errors import ExceedsMaxRedemption, NotAMultiple, NotRedeemableOnItems
from salon.money import dollars_to_points
from tickets.points_rules import PointsRoom

EXCEEDS_MAX_REDEMPTION = ExceedsMaxRedemption.code
NOT_A_MULTIPLE = NotAMultiple.code
NOT_REDEEMABLE_ON_ITEMS = NotRedeemableOnItems.code


@dataclass(frozen=True)
class RedemptionControls:
    """The Manager's limits (R57) with what they bear on for one ticket."""

    max_percent: int | None
    max_points: int | None
    increment: int
    # What the ticket's lines of the redeemable kinds are worth; None: every kind may be paid.
    kinds_amount: Decimal | None

    def caps(self, room: PointsRoom) -> list[tuple[int, str]]:
        """(most points in all on this ticket, the code of the rule) for each limit set."""
        caps = []
        if self.max_points is not None:
            caps.append((self.max_points, EXCEEDS_MAX_REDEMPTION))
        if self.max_percent is not None:
            # Of the ticket before tips (R46), rounded down to a whole point.
            caps.append(
                (
                    dollars_to_points(room.points_may_pay) * self.max_percent // 100,
                    EXCEEDS_MAX_REDEMPTION,
                )
            )
        if self.kinds_amount is not None:
            caps.append((dollars_to_points(self.kinds_amount), NOT_REDEEMABLE_ON_ITEMS))
        return caps

    def refusal_for(self, room: PointsRoom, points: int) -> str | None:
        """The code of the limit one more redemption of `points` breaks, or None."""
        if points % self.increment:
            return NOT_A_MULTIPLE
        in_all = dollars_to_points(room.points_paid) + points
        for most, code in self.caps(room):
            if in_all > most:
                return code
        return None

    def most(self, room: PointsRoom, available: int) -> tuple[int, str | None]:
        """The most points one more redemption may be when the client has `available` and
        the ticket `room.points` allow, and the code of the limit that holds it below that
        (None when only the balance or the ticket does)."""
        best, reason = min(available, room.points), None
        already = dollars_to_points(room.points_paid)
        for most, code in self.caps(room):
            if most - already < best:
                best, reason = max(most - already, 0), code
        rounded = best - best % self.increment
        if rounded < best and reason is None:
            reason = NOT_A_MULTIPLE
        return rounded, reason

    def redeemable(self, room: PointsRoom, available: int) -> tuple[int, str | None]:
        """The ticket's redeemable figure (R57's `GET …/redeemable/`): the most one more
        redemption may be and the code of the rule that holds it there, the ticket's own
        (R21) when no limit does; None when the client's balance does."""
        points, reason = self.most(room, available)
        if reason is None and points < available:
            reason = room.refusal_for(points + 1)
        return points, reason
