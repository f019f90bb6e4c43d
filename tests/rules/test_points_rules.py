"""How many points may pay on a ticket (R21, R46): the pure PointsRoom, without a database."""

from decimal import Decimal

from tickets.points_rules import PointsRoom


def room(total, paid="0.00", points_paid="0.00", tips="0.00", *, status="open", client=True):
    return PointsRoom(
        status=status,
        has_client=client,
        total=Decimal(total),
        paid=Decimal(paid),
        points_paid=Decimal(points_paid),
        tips=Decimal(tips),
    )


def test_r21_balance_due_and_what_points_may_pay():
    ticket = room("100.00", paid="30.00", points_paid="20.00", tips="10.00")
    assert ticket.balance_due == Decimal("70.00")
    assert ticket.points_may_pay == Decimal("90.00")  # the ticket but not its tips (R46)


def test_r21_points_stay_strictly_below_total_without_tips():
    # $100 with $10 of tips, $20 paid in points already: 9,000 - 2,000 - 1 = 6,999 more.
    ticket = room("100.00", paid="20.00", points_paid="20.00", tips="10.00")
    assert ticket.points == 6999
    assert ticket.refusal_for(6999) is None
    assert ticket.refusal_for(7000) == "exceeds_ticket_total"
    assert ticket.refusal is None


def test_r21_never_more_than_the_balance_due():
    # $100, $60 paid in cash: 4,000 points at most, though 9,999 would stay under the total.
    ticket = room("100.00", paid="60.00")
    assert ticket.points == 4000
    assert ticket.refusal_for(4000) is None
    assert ticket.refusal_for(4001) == "exceeds_balance_due"


def test_r21_a_ticket_paid_up_in_points_takes_no_more():
    ticket = room("50.00", paid="49.99", points_paid="49.99")
    assert ticket.points == 0
    assert ticket.refusal == "exceeds_ticket_total"
    assert ticket.refusal_for(1) == "exceeds_ticket_total"


def test_r21_a_paid_ticket_takes_no_points_for_its_balance():
    ticket = room("50.00", paid="50.00")
    assert ticket.points == 0
    assert ticket.refusal == "exceeds_balance_due"


def test_r21_only_open_tickets_with_a_client():
    assert room("100.00", status="closed").refusal_for(1) == "ticket_not_open"
    assert room("100.00", status="closed").points == 0
    assert room("100.00", status="voided").refusal == "ticket_not_open"
    assert room("100.00", client=False).refusal_for(1) == "walk_in_ticket"
    assert room("100.00", client=False).points == 0
    # the status is checked before the client
    assert room("100.00", status="closed", client=False).refusal == "ticket_not_open"


def test_r21_the_refusal_order_total_before_balance():
    # 9,000 + 1,000 reaches the total and exceeds the $5 due: the total is named.
    ticket = room("100.00", paid="95.00", points_paid="90.00")
    assert ticket.refusal_for(1000) == "exceeds_ticket_total"
    assert ticket.refusal_for(501) == "exceeds_balance_due"
    assert ticket.refusal_for(500) is None
    assert ticket.points == 500


def test_r21_points_fit_strictly_below_total_without_tips():
    assert room("0.00").points_fit  # nothing paid in points on an empty ticket
    assert room("100.00", points_paid="89.99", tips="10.00").points_fit
    assert not room("100.00", points_paid="90.00", tips="10.00").points_fit
    assert not room("100.00", points_paid="95.00", tips="10.00").points_fit
    assert room("100.00", points_paid="-5.00").points_fit
