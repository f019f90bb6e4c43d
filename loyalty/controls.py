"""Redemption controls (R57): how many points may pay on one ticket, and why not more.

The rules are loyalty/control_rules.py's and loyalty/redemption_rules.py's; this module
reads their inputs once (STYLE rule 14): the ticket's PointsRoom (R21, from tickets: the one
answer to what points may pay), the settings, and what the ticket's lines of the redeemable
kinds are worth. Redemption checks a request with `controls_refusal`; the rewards box asks
`ticket_redeemable` for the ticket's `GET …/redeemable/`.
"""

from dataclasses import dataclass
from decimal import Decimal

from catalog.models import ItemKind
from loyalty.control_rules import (
    EXCEEDS_MAX_REDEMPTION,
    NOT_A_MULTIPLE,
    NOT_REDEEMABLE_ON_ITEMS,
    RedemptionControls,
)
from loyalty.errors import ExceedsMaxRedemption, NotAMultiple, NotRedeemableOnItems
from loyalty.redemption_rules import balance_refusal, redemption_closed
from loyalty.rewards_box import RewardsSummary, client_rewards_summary
from loyalty.selectors import loyalty_settings_get, ticket_kinds_amount
from salon.money import points_to_dollars
from salon.selectors import features_get
from tickets.models import Ticket
from tickets.points_rules import PointsRoom
from tickets.selectors import ticket_points_room


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
    closed = redemption_closed(
        rewards_on=features_get().rewards_referrals,
        min_dollars=settings_row.min_redemption_dollars,
    )
    if closed is not None:
        return Redeemable(0, points_to_dollars(0), closed)
    if room.refusal is not None:
        return Redeemable(0, points_to_dollars(0), room.refusal)
    if rewards is None:
        rewards = client_rewards_summary(client=ticket.client)
    below = balance_refusal(
        redeemable=rewards.redeemable_points, min_dollars=settings_row.min_redemption_dollars
    )
    if below is not None:
        return Redeemable(0, points_to_dollars(0), below)
    controls = controls_for(settings_row=settings_row, ticket=ticket)
    points, reason = controls.redeemable(room, rewards.redeemable_points)
    return Redeemable(points, points_to_dollars(points), reason)
