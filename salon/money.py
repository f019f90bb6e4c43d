"""One rounding helper for money (R1, STYLE rule 8)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_money(amount: Decimal | int | str) -> Decimal:
    """Round to cents, half up: the only way money is rounded in Salon."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
