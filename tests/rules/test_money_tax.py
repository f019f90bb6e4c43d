"""The tax on a line's net amount (R43): pure arithmetic, half-up to the cent."""

from decimal import Decimal

import pytest

from salon.money import tax_on_net


@pytest.mark.parametrize(
    ("net", "percent", "inclusive", "tax"),
    [
        # The worked figures: $100 at 8.875 % exclusive, $100 at 20 % inclusive.
        ("100.00", "8.875", False, "8.88"),
        ("100.00", "20", True, "16.67"),
        # Half-up at the cent: 0.125 → 0.13 (banker's rounding would give 0.12).
        ("2.50", "5", False, "0.13"),
        ("0.00", "8.875", False, "0.00"),
        ("45.00", "0", False, "0.00"),
        ("45.00", "0", True, "0.00"),
        # Inclusive: 10.00 ÷ 1.08875 = 9.1848… → 9.18 before tax, so the tax is 0.82.
        ("10.00", "8.875", True, "0.82"),
        ("100.00", "100", False, "100.00"),
        ("100.00", "100", True, "50.00"),
    ],
)
def test_r43_tax_per_line(net, percent, inclusive, tax):
    assert tax_on_net(
        net=Decimal(net), percent=Decimal(percent), prices_include_tax=inclusive
    ) == Decimal(tax)


def test_r43_inclusive_pre_tax_part_and_tax_add_up_to_the_net_exactly():
    for cents in range(1, 2000, 7):
        net = Decimal(cents) / 100
        tax = tax_on_net(net=net, percent=Decimal("8.875"), prices_include_tax=True)
        pre_tax = net - tax
        assert pre_tax == pre_tax.quantize(Decimal("0.01"))
        assert pre_tax + tax == net
