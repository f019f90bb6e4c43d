"""The report's clients per tier and promotion results (R81, R61, R62) against a known
history: tiers placed by hand, a promotion's tickets closed, corrected and voided."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from catalog.models import ItemKind
from loyalty.actions import Action
from loyalty.models import Promotion, Tier
from loyalty.reports import loyalty_report, report_csv, report_period
from loyalty.tiers import client_tier_place
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import closed_ticket, line_set_net, rule_set, ticket_void

SERVICE = ItemKind.SERVICE


def local(*args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(settings.TIME_ZONE))


def promote(name, starts_on, ends_on, **terms):
    return Promotion.objects.create(
        name=name, starts_on=starts_on, ends_on=ends_on, actions=["service_purchase"], **terms
    )


@pytest.fixture
def history(db, time_machine, manager):
    def at(*moment):
        time_machine.move_to(local(*moment), tick=False)
        return local(*moment)

    at(2026, 1, 5, 9)
    silver = Tier.objects.create(name="Silver", min_spend=500, keep_spend=500)
    gold = Tier.objects.create(name="Gold", min_spend=1000, keep_spend=1000)
    Tier.objects.create(name="Platinum", min_spend=5000, keep_spend=5000)
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    winter = promote("Winter bonus", date(2026, 1, 1), date(2026, 1, 31), bonus_points=100)
    march = promote("Double March", date(2026, 3, 1), date(2026, 3, 31), multiplier=2)
    promote("Summer", date(2026, 7, 1), date(2026, 7, 31), multiplier=3)
    ann = ClientFactory(first_name="Ann")
    bea = ClientFactory(first_name="Bea")
    cal = ClientFactory(first_name="Cal")
    client_tier_place(client=ann, tier=silver, reason="Moved in", user=manager, now=at(2026, 2, 10))
    client_tier_place(client=bea, tier=gold, reason="Moved in", user=manager, now=at(2026, 3, 1))
    # 80.00 x 2 points x 2 = 320; 45.50 -> 182, corrected to 40.00 -> 160 (-22).
    closed_ticket(customer=cal, lines=[(SERVICE, Decimal("80.00"))], now=at(2026, 3, 10, 12))
    second = closed_ticket(
        customer=cal, lines=[(SERVICE, Decimal("45.50"))], now=at(2026, 3, 20, 12)
    )
    line_set_net(second.lines.get(), Decimal("40.00"), now=at(2026, 3, 21, 12))
    # Earned 120 under the promotion, then voided: its points net to 0 and it sold nothing.
    voided = closed_ticket(
        customer=cal, lines=[(SERVICE, Decimal("30.00"))], now=at(2026, 3, 25, 12)
    )
    ticket_void(voided, now=at(2026, 3, 26, 12))
    # After the period: Ann moves up to Gold, Dee arrives.
    client_tier_place(client=ann, tier=gold, reason="Spent", user=manager, now=at(2026, 4, 10))
    ClientFactory(first_name="Dee")
    return {"winter": winter, "march": march}


def first_quarter():
    return report_period(start="2026-01-01", end="2026-03-31")


def test_clients_per_tier_at_the_end_of_the_period(history):  # R81, R61
    assert loyalty_report(period=first_quarter())["tiers"] == [
        {"tier": "Silver", "clients": 1},
        {"tier": "Gold", "clients": 1},
        {"tier": "Platinum", "clients": 0},
        {"tier": None, "clients": 1},
    ]
    assert loyalty_report(period=report_period(start="2026-04-01", end="2026-04-30"))["tiers"] == [
        {"tier": "Silver", "clients": 0},
        {"tier": "Gold", "clients": 2},
        {"tier": "Platinum", "clients": 0},
        {"tier": None, "clients": 2},
    ]


def test_promotion_points_and_the_sales_of_their_tickets(history):  # R81, R62
    assert loyalty_report(period=first_quarter())["promotions"] == [
        {
            "promotion": history["winter"].pk,
            "name": "Winter bonus",
            "starts_on": date(2026, 1, 1),
            "ends_on": date(2026, 1, 31),
            "points": 0,
            "sales": Decimal("0.00"),
        },
        {
            "promotion": history["march"].pk,
            "name": "Double March",
            "starts_on": date(2026, 3, 1),
            "ends_on": date(2026, 3, 31),
            "points": 480,
            "sales": Decimal("120.00"),
        },
    ]


def test_a_period_with_no_promotion_running_nor_earning_lists_none(history):  # R81
    period = report_period(start="2026-04-01", end="2026-04-30")
    assert loyalty_report(period=period)["promotions"] == []


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_tiers_and_promotions_as_csv(history):  # R81, SPEC §18
    report = loyalty_report(period=first_quarter())
    assert rows_of(report_csv(report=report, table="tiers")) == [
        ["tier", "clients"],
        ["Silver", "1"],
        ["Gold", "1"],
        ["Platinum", "0"],
        ["No tier", "1"],
    ]
    assert rows_of(report_csv(report=report, table="promotions")) == [
        ["promotion", "name", "starts_on", "ends_on", "points", "sales"],
        [str(history["winter"].pk), "Winter bonus", "2026-01-01", "2026-01-31", "0", "0.00"],
        [str(history["march"].pk), "Double March", "2026-03-01", "2026-03-31", "480", "120.00"],
    ]


def test_api_answers_tiers_and_promotions(history, manager_api):  # R81, SPEC §18
    response = manager_api.get(
        "/api/v1/reports/loyalty/", {"from": "2026-01-01", "to": "2026-03-31"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["tiers"][0] == {"tier": "Silver", "clients": 1}
    assert body["tiers"][-1] == {"tier": None, "clients": 1}
    assert body["promotions"][1] == {
        "promotion": history["march"].pk,
        "name": "Double March",
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-31",
        "points": 480,
        "sales": "120.00",
    }
    response = manager_api.get(
        "/api/v1/reports/loyalty/",
        {"from": "2026-01-01", "to": "2026-03-31", "format": "csv", "table": "promotions"},
    )
    assert rows_of(response.content.decode())[2][4:] == ["480", "120.00"]
