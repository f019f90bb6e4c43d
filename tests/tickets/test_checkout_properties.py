"""A property over random tickets (issue #13): lines with discounts and tax rates, tips,
prices before or including tax. Through the real services, each example checks R44's
total to the cent, R46's earned points (floor of the rule on the pre-tax base, tips never
earning) and that points payments never reach `total - tips`."""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import ItemKind
from catalog.services import tax_rate_create
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.redemption import points_redeem
from salon.services import salon_settings_update
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import rule_set
from tickets import selectors
from tickets.lifecycle import ticket_close, ticket_open
from tickets.lines import ticket_add_line
from tickets.payments import payment_add
from tickets.tips import tip_add

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")


def cents(value: int) -> Decimal:
    return Decimal(value) / 100


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


lines = st.lists(
    st.fixed_dictionaries(
        {
            "price": st.integers(min_value=0, max_value=50_000).map(cents),
            "quantity": st.integers(min_value=1, max_value=3),
            # None, an amount (a share of the line) or a percent with 2 decimals
            "discount": st.one_of(
                st.none(),
                st.tuples(st.just("amount"), st.integers(min_value=0, max_value=100)),
                st.tuples(st.just("percent"), st.integers(min_value=0, max_value=10_000)),
            ),
            # None (not taxed) or a percent with up to 3 decimals, 0 to 30 %
            "tax": st.one_of(
                st.none(), st.integers(min_value=0, max_value=30_000).map(lambda p: p / 1000)
            ),
        }
    ),
    min_size=1,
    max_size=4,
)
tips = st.lists(st.integers(min_value=1, max_value=5_000).map(cents), max_size=3)


def expected_line(line, inclusive: bool) -> tuple[Decimal, Decimal]:
    """(net, tax) written out from SPEC R30/R43, independently of the services."""
    gross = line["quantity"] * line["price"]
    discount = Decimal("0")
    if line["discount"] and line["discount"][0] == "amount":
        discount = half_up(gross * line["discount"][1] / 100)
    elif line["discount"]:
        discount = gross * Decimal(line["discount"][1]) / 10_000
    net = half_up(gross - discount)
    if line["tax"] is None:
        return net, Decimal("0.00")
    percent = Decimal(str(line["tax"]))
    if inclusive:
        return net, net - half_up(net / (1 + percent / 100))
    return net, half_up(net * percent / 100)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=lines, tips=tips, inclusive=st.booleans())
def test_r44_r46_random_tickets(manager, front_desk, lines, tips, inclusive):
    with transaction.atomic():
        salon_settings_update(user=manager, changes={"prices_include_tax": inclusive})
        rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
        customer = ClientFactory()
        points_adjust(client=customer, points=10_000_000, reason="test", user=manager)
        ticket = ticket_open(client=customer)
        subtotal = tax = pre_tax = Decimal("0.00")
        for line in lines:
            rate = None
            if line["tax"] is not None:
                rate = tax_rate_create(name="T", percent=Decimal(str(line["tax"])))
            item = ItemFactory(kind=ItemKind.SERVICE, price=line["price"], tax_rate=rate)
            discount = {}
            if line["discount"] and line["discount"][0] == "amount":
                gross = line["quantity"] * line["price"]
                discount = {"discount_amount": half_up(gross * line["discount"][1] / 100)}
            elif line["discount"]:
                discount = {"discount_percent": Decimal(line["discount"][1]) / 100}
            ticket_add_line(ticket=ticket, item=item, quantity=line["quantity"], **discount)
            net, line_tax = expected_line(line, inclusive)
            subtotal, tax = subtotal + net, tax + line_tax
            pre_tax += net - line_tax if inclusive else net
        for tip in tips:
            tip_add(ticket=ticket, amount=tip)
        tipped = sum(tips, Decimal("0.00"))

        amounts = selectors.ticket_amounts(ticket=ticket)
        assert (amounts.subtotal, amounts.tax, amounts.tips) == (subtotal, tax, tipped)
        assert amounts.total == (subtotal + tipped if inclusive else subtotal + tax + tipped)

        # The most points one payment may be now, and never reaching total - tips.
        room = selectors.ticket_points_room(ticket=ticket)
        may_pay = amounts.total - tipped
        if room.points:
            points_redeem(ticket=ticket, points=room.points, user=front_desk)
            room = selectors.ticket_points_room(ticket=ticket)
        assert room.points_paid < may_pay or room.points_paid == 0
        assert room.refusal_for(1) is not None or room.points_paid + CENT < may_pay

        if room.balance_due > 0:
            payment_add(ticket=ticket, method="cash", amount=room.balance_due)
        ticket_close(ticket=ticket)
        earned = selectors.ticket_list_with_totals().get(pk=ticket.pk).points_earned
        assert earned == int((pre_tax * 2).to_integral_value(rounding=ROUND_DOWN))
        transaction.set_rollback(True)
