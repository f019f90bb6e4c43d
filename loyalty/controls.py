"""Redemption controls (R57): how many points may pay on one ticket, and why not more.

Pure rules over figures fetched once (STYLE rule 14): the ticket's PointsRoom (R21, from
tickets: the one answer to what points may pay), the settings, and what the ticket's lines
of the redeemable kinds are worth. Redemption checks a request with `refusal_for`; the
rewards box asks `most` for the ticket's `GET …/redeemable/`.
"""

from dataclasses import dataclass
from decimal import Decimal

from catalog.models import ItemKind
from loyalty.errors import (
    BelowMinRedemption,
    ExceedsMaxRedemption,
    NotAMultiple,
    NotRedeemableOnItems,
    RedemptionPaused,
    RewardsOff,
)
from loyalty.selectors import (
    RewardsSummary,
    client_rewards_summary,
    loyalty_settings_get,
    ticket_kinds_amount,
)
from salon.money import dollars_to_points, points_to_dollars
from salon.selectors import features_get
from tickets.models import Ticket
from tickets.selectors import PointsRoom, ticket_points_room

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


def controls_for(*, settings_row, ticket) -> RedemptionControls:
    """The controls for this ticket: one query for its lines' worth only when the Manager
    narrowed the kinds points may pay for (R57)."""
    kinds_amount = None
    if set(settings_row.redeemable_kinds) != set(ItemKind.values):
        kinds_amount = ticket_kinds_amount(ticket=ticket, kinds=settings_row.redeemable_kinds)
    return RedemptionControls(
        max_percent=settings_row.max_redemption_percent,
        max_points=settings_row.max_redemption_points,
        increment=settings_row.redemption_increment,
        kinds_amount=kinds_amount,
    )


ERRORS = {
    EXCEEDS_MAX_REDEMPTION: ExceedsMaxRedemption,
    NOT_A_MULTIPLE: NotAMultiple,
    NOT_REDEEMABLE_ON_ITEMS: NotRedeemableOnItems,
}


def controls_refusal(
    *, controls: RedemptionControls, room: PointsRoom, points: int
) -> Exception | None:
    """The error for a redemption of `points` that a control refuses, worded with the
    figures (R57); None when every control lets it through."""
    code = controls.refusal_for(room, points)
    if code is None:
        return None
    most, _ = controls.most(room, points)
    if code == NOT_A_MULTIPLE:
        message = f"Redeem points in multiples of {controls.increment}."
    else:
        message = f"At most {most} more points may pay for this ticket."
    # Answered with its code (R57, R71), not as a field error.
    return ERRORS[code](message)


@dataclass(frozen=True)
class Redeemable:
    """How many points may pay on a ticket now, their value, and why not more (R57)."""

    points: int
    value: Decimal
    reason_code: str | None


def ticket_redeemable(
    *,
    ticket: Ticket,
    room: PointsRoom | None = None,
    rewards: RewardsSummary | None = None,
) -> Redeemable:
    """The most points its client may redeem on this ticket now (R19-R21, R54, R57): the
    redeemable balance (never points past their date) within what the ticket allows and the
    Manager's limits; `reason_code` names the rule that holds it there, or is null when the
    client's balance does. A caller that already read the ticket's `room` or the client's
    `rewards` (the desk's payment area) passes them, so they are not read twice."""
    settings_row = loyalty_settings_get()
    if room is None:
        room = ticket_points_room(ticket=ticket)
    if not features_get().rewards_referrals:
        return Redeemable(0, points_to_dollars(0), RewardsOff.code)
    if settings_row.min_redemption_dollars == 0:
        return Redeemable(0, points_to_dollars(0), RedemptionPaused.code)
    if room.refusal is not None:
        return Redeemable(0, points_to_dollars(0), room.refusal)
    if rewards is None:
        rewards = client_rewards_summary(client=ticket.client)
    if rewards.redeemable_points < rewards.min_redemption_points:
        return Redeemable(0, points_to_dollars(0), BelowMinRedemption.code)
    controls = controls_for(settings_row=settings_row, ticket=ticket)
    points, reason = controls.most(room, rewards.redeemable_points)
    if reason is None and points < rewards.redeemable_points:
        reason = room.refusal_for(points + 1)
    return Redeemable(points, points_to_dollars(points), reason)
