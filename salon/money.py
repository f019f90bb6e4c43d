"""One rounding helper for money (R1, STYLE rule 8)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_money(amount: Decimal | int | str) -> Decimal:
    """Round to cents, half up: the only way money is rounded in Salon."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


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
