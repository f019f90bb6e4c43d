"""Money and points arithmetic (R1, R2): pure, called without a database."""

from decimal import Decimal

from salon.money import dollars_to_points, points_to_dollars, round_money


def test_r1_money_rounds_half_up_to_the_cent():
    assert round_money(Decimal("0.125")) == Decimal("0.13")  # half-even would give 0.12
    assert round_money(Decimal("0.124")) == Decimal("0.12")
    assert round_money("2.675") == Decimal("2.68")
    assert round_money(7) == Decimal("7.00")
    assert str(round_money(Decimal("10"))) == "10.00"


def test_r2_points_to_dollars_a_point_is_a_cent():
    assert points_to_dollars(1) == Decimal("0.01")
    assert points_to_dollars(600) == Decimal("6.00")
    assert str(points_to_dollars(12345)) == "123.45"
    assert str(points_to_dollars(0)) == "0.00"
    assert points_to_dollars(-250) == Decimal("-2.50")


def test_r2_dollars_to_points_whole_cents():
    assert dollars_to_points(5) == 500
    assert dollars_to_points(Decimal("0.01")) == 1
    assert dollars_to_points(Decimal("83.33")) == 8333
    # a part of a cent rounds half up first (R1)
    assert dollars_to_points(Decimal("0.015")) == 2
    assert dollars_to_points(Decimal("0.014")) == 1
    assert isinstance(dollars_to_points(Decimal("1.00")), int)
