"""The tier standing statement (loyalty/sql/standing.py, R61, R46) against the ORM's definitions:
the tiers and the one held as the models give them, and the qualifying spend summed from
the lines themselves (tickets/selectors.py) and from the stored days (tickets/spend.py),
for window starts on each side of every close, on varied tickets: tax included or added,
gift cards, a voided ticket, a post-close correction, an open ticket, another client's."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from catalog.models import ItemKind
from catalog.services import tax_rate_create
from loyalty.models import ClientTier, Tier
from loyalty.tiers import client_tier_get, client_tier_standing, tier_terms
from salon.services import salon_settings_update
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tickets.lifecycle import ticket_close, ticket_open, ticket_void
from tickets.lines import ticket_add_line, ticket_update_line
from tickets.payments import payment_add
from tickets.selectors import client_qualifying_lines, line_pre_tax_net, ticket_amounts
from tickets.spend import client_qualifying_spend_since

pytestmark = pytest.mark.django_db

WINDOW_DAYS = 365
MARCH_5 = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)


def sold(client, lines, *, at):
    """A ticket of (kind, price, tax rate) lines, paid and closed at `at`."""
    ticket = ticket_open(client=client)
    for kind, price, tax_rate in lines:
        item = ItemFactory(kind=kind, price=Decimal(price), tax_rate=tax_rate)
        ticket_add_line(ticket=ticket, item=item)
    payment_add(ticket=ticket, method="cash", amount=ticket_amounts(ticket=ticket).total)
    return ticket_close(ticket=ticket, now=at)


def spend_from_lines(client_id, since) -> Decimal:
    """R61's definition read from the lines as they stand: every qualifying line of the
    client's tickets closed after `since`, before tax (R46)."""
    total = (
        client_qualifying_lines(client_id=client_id)
        .filter(ticket__closed_at__gt=since)
        .aggregate(total=Sum(line_pre_tax_net()))["total"]
    )
    return (total or Decimal("0")).quantize(Decimal("0.01"))


@pytest.fixture
def tiers(db):
    return [
        Tier.objects.create(
            name=name,
            min_spend=Decimal(reach),
            keep_spend=Decimal(keep),
            multiplier=Decimal(multiplier),
        )
        for name, reach, keep, multiplier in [
            ("Gold", "2500.00", "2000.00", "1.50"),
            ("Bronze", "90.00", "45.50", "1.00"),
            ("Silver", "1000.00", "800.00", "1.25"),
        ]
    ]


def test_no_tiers_is_no_standing():
    assert client_tier_standing(client_id=ClientFactory().pk, window_days=WINDOW_DAYS) is None


def test_the_standing_equals_the_orm_definitions_on_varied_tickets(manager, tiers):
    gold, bronze, silver = tiers
    vat = tax_rate_create(name="VAT", percent=Decimal("20"))
    client, other, newcomer = ClientFactory(), ClientFactory(), ClientFactory()
    ClientTier.objects.create(client=client, tier=silver, held_since=MARCH_5)
    ClientTier.objects.create(client=newcomer, tier=None, held_since=MARCH_5)
    service, product, gift_card = ItemKind.SERVICE, ItemKind.PRODUCT, ItemKind.GIFT_CARD
    moments = [
        MARCH_5 - timedelta(days=40),
        MARCH_5 - timedelta(minutes=1),
        MARCH_5 + timedelta(minutes=1),
        MARCH_5 + timedelta(hours=8, minutes=59, seconds=59),
        MARCH_5 + timedelta(hours=9),  # midnight UTC: the next day's row
        MARCH_5 + timedelta(days=3, hours=2),
        MARCH_5 + timedelta(days=200),
    ]
    # Prices before tax: the tax added on top never counts.
    sold(client, [(service, "100.00", vat), (gift_card, "50.00", None)], at=moments[0])
    sold(client, [(product, "19.99", vat)], at=moments[1])
    corrected = sold(client, [(service, "120.00", None), (product, "7.35", vat)], at=moments[2])
    voided = sold(client, [(service, "80.00", None)], at=moments[3])
    sold(client, [(service, "0.01", None), (service, "33.33", vat)], at=moments[4])
    sold(other, [(service, "500.00", None)], at=moments[2])
    # Prices containing their tax: only the part before it counts.
    salon_settings_update(user=manager, changes={"prices_include_tax": True})
    sold(client, [(service, "100.00", vat), (product, "12.34", vat)], at=moments[5])
    sold(client, [(service, "70.00", vat), (gift_card, "25.00", vat)], at=moments[6])
    ticket_update_line(
        line=corrected.lines.order_by("pk").first(),
        user=manager,
        unit_price=Decimal("95.50"),
        reason="Price corrected",
    )
    ticket_void(ticket=voided, user=manager, reason="Refund", now=moments[5])
    still_open = ticket_open(client=client)
    ticket_add_line(ticket=still_open, item=ItemFactory(kind=service, price=Decimal("999.00")))

    starts = sorted(
        {moment + offset for moment in moments for offset in (-timedelta(seconds=1), timedelta())}
        | {datetime(2026, 3, 6, tzinfo=UTC), MARCH_5, MARCH_5 - timedelta(days=400)}
    )
    spends = {}
    for since in starts:
        now = since + timedelta(days=WINDOW_DAYS)
        for someone in (client, other, newcomer):
            standing = client_tier_standing(client_id=someone.pk, now=now, window_days=WINDOW_DAYS)
            assert standing.tiers == [tier_terms(tier) for tier in (bronze, silver, gold)]
            assert standing.current == tier_terms(client_tier_get(client_id=someone.pk))
            assert standing.spend == spend_from_lines(someone.pk, since), (someone, since)
            assert standing.spend == client_qualifying_spend_since(
                client_id=someone.pk, since=since
            )
            assert standing.spend.as_tuple().exponent == -2
            spends[someone.pk, since] = standing.spend
    # $100 + $19.99 + ($95.50 + $7.35) + ($0.01 + $33.33) before tax, then $83.33 + $10.28
    # and $58.33 of tax-inclusive prices; no gift card, the voided ticket, the open one.
    assert spends[client.pk, MARCH_5 - timedelta(days=400)] == Decimal("408.12")
    assert spends[client.pk, MARCH_5] == Decimal("288.13")
    assert spends[client.pk, moments[4] - timedelta(seconds=1)] == Decimal("185.28")
    assert spends[client.pk, moments[6]] == Decimal("0.00")
    assert spends[other.pk, MARCH_5] == Decimal("500.00")
    assert spends[newcomer.pk, MARCH_5] == Decimal("0.00")
    # Held: Silver placed, Bronze reached by the $500 close, none on an empty tier row.
    assert [client_tier_get(client_id=someone.pk) for someone in (client, other, newcomer)] == [
        silver,
        bronze,
        None,
    ]
