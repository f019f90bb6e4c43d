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


HUNDRED = Decimal("100")


def tax_on_net(*, net: Decimal, percent: Decimal, prices_include_tax: bool) -> Decimal:
    """A line's tax on its net amount, half-up to the cent (R43).

    Exclusive (prices before tax): net x percent / 100.
    Inclusive (prices contain tax): net - net / (1 + percent / 100), the net part rounded, so
    that the pre-tax part plus the tax is the net exactly.
    """
    if prices_include_tax:
        return net - round_money(net / (1 + percent / HUNDRED))
    return round_money(net * percent / HUNDRED)
