"""One rounding helper for money and the one rate between points and dollars (R1, R2,
STYLE rule 8)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
POINTS_PER_DOLLAR = 100  # 1 point = $0.01 (R2)


def round_money(amount: Decimal | int | str) -> Decimal:
    """Round to cents, half up: the only way money is rounded in Salon."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def points_to_dollars(points: int) -> Decimal:
    """The dollar value of points (R2): exact, since a point is a cent."""
    return (Decimal(points) / POINTS_PER_DOLLAR).quantize(CENT)


def dollars_to_points(dollars: Decimal | int) -> int:
    """How many points are worth these dollars (R2, R19's minimum): whole cents only."""
    return int(round_money(dollars) * POINTS_PER_DOLLAR)
