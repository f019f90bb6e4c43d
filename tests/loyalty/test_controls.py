"""Redemption controls (R57): maximum per ticket as percent or points, increments, the item
kinds points may pay for, and the ticket's redeemable figure."""

from decimal import Decimal

import pytest

from catalog.models import ItemKind
from loyalty.adjustments import points_adjust
from loyalty.control_rules import RedemptionControls
from loyalty.controls import ticket_redeemable
from loyalty.models import LoyaltySettings, PointsEntry
from loyalty.redemption import points_redeem
from loyalty.selectors import loyalty_settings_get
from salon.errors import DomainError
from tests.catalog.factories import ItemFactory
from tickets.lifecycle import ticket_open
from tickets.lines import ticket_add_line
from tickets.points_rules import PointsRoom
from tickets.selectors import ticket_points_room

pytestmark = pytest.mark.django_db


def controls(**values):
    loyalty_settings_get()
    LoyaltySettings.objects.filter(pk=1).update(**values)


@pytest.fixture
def ticket(customer, manager):
    """$80 of service and $20 of product; the client holds 5,000 redeemable points."""
    points_adjust(client=customer, points=5000, reason="setup", user=manager)
    ticket = ticket_open(client=customer)
    ticket_add_line(ticket=ticket, item=ItemFactory(kind=ItemKind.SERVICE, price=Decimal("80.00")))
    ticket_add_line(ticket=ticket, item=ItemFactory(kind=ItemKind.PRODUCT, price=Decimal("20.00")))
    return ticket


def refused_code(ticket, points, user):
    with pytest.raises(DomainError) as refused:
        points_redeem(ticket=ticket, points=points, user=user)
    return refused.value.code


def test_r57_max_percent_of_the_ticket(ticket, front_desk):
    controls(max_redemption_percent=25)  # 25 % of $100 = 2,500 points
    assert refused_code(ticket, 2501, front_desk) == "exceeds_max_redemption"
    points_redeem(ticket=ticket, points=2000, user=front_desk)
    # Points already paid on the ticket count: 500 more fit, 501 don't.
    assert refused_code(ticket, 501, front_desk) == "exceeds_max_redemption"
    points_redeem(ticket=ticket, points=500, user=front_desk)
    assert PointsEntry.objects.filter(kind="redeem").count() == 2


def test_r57_max_points_per_ticket(ticket, front_desk):
    controls(max_redemption_points=1000)
    assert refused_code(ticket, 1001, front_desk) == "exceeds_max_redemption"
    points_redeem(ticket=ticket, points=1000, user=front_desk)
    assert refused_code(ticket, 1, front_desk) == "exceeds_max_redemption"


def test_r57_increment(ticket, front_desk):
    controls(redemption_increment=100)
    assert refused_code(ticket, 550, front_desk) == "not_a_multiple"
    points_redeem(ticket=ticket, points=500, user=front_desk)


def test_r57_redeemable_kinds(ticket, front_desk):
    controls(redeemable_kinds=["product"])  # only the $20 of product
    assert refused_code(ticket, 2001, front_desk) == "not_redeemable_on_items"
    points_redeem(ticket=ticket, points=2000, user=front_desk)


def test_r57_a_refused_redemption_changes_nothing(ticket, front_desk):
    controls(max_redemption_points=100)
    refused_code(ticket, 500, front_desk)
    assert not PointsEntry.objects.filter(kind="redeem").exists()
    assert ticket.payments.count() == 0


def test_r57_redeemable_names_the_limit_that_holds_it(ticket):
    assert ticket_redeemable(ticket=ticket).points == 5000
    assert ticket_redeemable(ticket=ticket).reason_code is None
    controls(max_redemption_percent=30, redemption_increment=7)
    redeemable = ticket_redeemable(ticket=ticket)
    # 30 % of $100 = 3,000 points, down to a multiple of 7: 2,996 ($29.96).
    assert (redeemable.points, redeemable.value, redeemable.reason_code) == (
        2996,
        Decimal("29.96"),
        "exceeds_max_redemption",
    )
    controls(max_redemption_percent=None, redemption_increment=1, min_redemption_dollars=60)
    assert ticket_redeemable(ticket=ticket).reason_code == "below_min_redemption"


def test_r57_redeemable_when_the_ticket_is_the_limit(customer, manager):
    points_adjust(client=customer, points=5000, reason="setup", user=manager)
    ticket = ticket_open(client=customer)
    ticket_add_line(ticket=ticket, item=ItemFactory(kind=ItemKind.SERVICE, price=Decimal("30.00")))
    redeemable = ticket_redeemable(ticket=ticket)
    assert (redeemable.points, redeemable.reason_code) == (2999, "exceeds_ticket_total")


def test_r57_controls_are_pure_rules():
    room = PointsRoom(
        status="open",
        has_client=True,
        total=Decimal("50.00"),
        paid=Decimal("10.00"),
        points_paid=Decimal("10.00"),
    )
    rules = RedemptionControls(
        max_percent=50, max_points=None, increment=100, kinds_amount=Decimal("40.00")
    )
    # 50 % of $50 = 2,500 points in all; 1,000 paid already: 1,500 more.
    assert rules.most(room, 10_000) == (1500, "exceeds_max_redemption")
    assert rules.refusal_for(room, 1500) is None
    assert rules.refusal_for(room, 1600) == "exceeds_max_redemption"
    assert rules.refusal_for(room, 150) == "not_a_multiple"


def test_r57_redeemable_api(front_desk_api, ticket):
    controls(max_redemption_points=1234)
    response = front_desk_api.get(f"/api/v1/tickets/{ticket.pk}/redeemable/")
    assert response.status_code == 200
    assert response.json() == {
        "points": 1234,
        "value": "12.34",
        "reason_code": "exceeds_max_redemption",
    }
    response = front_desk_api.post(
        f"/api/v1/tickets/{ticket.pk}/redeem/", {"points": 1235}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "exceeds_max_redemption"
    assert ticket_points_room(ticket=ticket).points_paid == 0
