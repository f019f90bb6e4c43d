"""Promotions (R62): best of per (ticket, action), tie to the earliest created, multiplier x
tier, bonus after, max_per_client, tiers and item kinds, snapshotted at close."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from catalog.models import ItemKind
from loyalty.actions import Action
from loyalty.errors import PromotionInUse, PromotionInvalid, PromotionMultiplierOrBonus
from loyalty.models import ClientTier, PointsEntry, Promotion, Tier
from loyalty.promotions import promotion_delete, promotion_save, promotion_state
from salon.errors import PermissionRefused
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import closed_ticket, line_set_net, rule_set, ticket_void

pytestmark = pytest.mark.django_db

SERVICE = ItemKind.SERVICE
LOCAL = ZoneInfo("America/New_York")
TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _june_15(time_machine):
    time_machine.move_to(datetime(2026, 6, 15, 12, tzinfo=LOCAL), tick=False)


def promote(name="Double points", *, created=None, tiers=(), **values):
    values.setdefault("starts_on", date(2026, 6, 1))
    values.setdefault("ends_on", date(2026, 6, 30))
    values.setdefault("actions", ["service_purchase"])
    promotion = Promotion.objects.create(name=name, **values)
    if created is not None:
        Promotion.objects.filter(pk=promotion.pk).update(created_at=created)
    promotion.tiers.set(tiers)
    return promotion


def client_entries(ticket, client):
    return list(
        PointsEntry.objects.filter(ticket=ticket, client=client)
        .order_by("id")
        .values_list("action", "points", "promotion_id")
    )


def test_r62_gold_100_service_at_2_per_dollar_under_2x_earns_600_referrer_5():
    gold = Tier.objects.create(
        name="Gold",
        min_spend=Decimal("2500.00"),
        keep_spend=Decimal("2500.00"),
        multiplier=Decimal("1.50"),
    )
    referrer = ClientFactory()
    client = ClientFactory(referred_by=referrer)
    ClientTier.objects.create(
        client=client, tier=gold, held_since=datetime(2026, 1, 1, tzinfo=LOCAL)
    )
    rule_set(Action.SERVICE_PURCHASE, points=200, spend_unit=Decimal("100.00"), referrer_points=5)
    double = promote(multiplier=Decimal("2.00"))
    ticket = closed_ticket(customer=client, lines=[(SERVICE, Decimal("100.00"))])
    assert client_entries(ticket, client) == [("service_purchase", 600, double.pk)]
    assert client_entries(ticket, referrer) == [("service_purchase", 5, None)]
    assert PointsEntry.objects.get(ticket=ticket, client=client).memo.endswith("Double points")


def test_r62_two_promotions_the_larger_wins(customer):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    promote("Bonus 100", bonus_points=100, created=datetime(2026, 5, 1, tzinfo=LOCAL))
    triple = promote(
        "Triple", multiplier=Decimal("3.00"), created=datetime(2026, 5, 2, tzinfo=LOCAL)
    )
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    assert client_entries(ticket, customer) == [("service_purchase", 600, triple.pk)]


def test_r62_a_tie_goes_to_the_earliest_created(customer):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    promote("Later double", multiplier=Decimal("2.00"), created=datetime(2026, 5, 2, tzinfo=LOCAL))
    earlier = promote("Bonus 200", bonus_points=200, created=datetime(2026, 5, 1, tzinfo=LOCAL))
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    assert client_entries(ticket, customer) == [("service_purchase", 400, earlier.pk)]


def test_r62_an_inactive_rule_with_a_promotion_earns_0(customer):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"), active=False)
    promote(multiplier=Decimal("2.00"))
    promote("Bonus", bonus_points=100)
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    assert client_entries(ticket, customer) == []


def test_r62_dates_are_inclusive_local_days(customer, time_machine):
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    promote(bonus_points=10, starts_on=date(2026, 6, 15), ends_on=date(2026, 6, 15))
    # 23:30 in New York is already the 16th in UTC: still the promotion's day
    time_machine.move_to(datetime(2026, 6, 15, 23, 30, tzinfo=LOCAL), tick=False)
    inside = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    time_machine.move_to(datetime(2026, 6, 16, 0, 30, tzinfo=LOCAL), tick=False)
    after = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    assert client_entries(inside, customer)[0][1] == 20
    assert client_entries(after, customer)[0][1] == 10


def test_r62_bonus_on_a_per_visit_action_and_tiers_filter(customer):
    silver = Tier.objects.create(
        name="Silver", min_spend=Decimal("1000.00"), keep_spend=Decimal("1000.00")
    )
    rule_set(Action.FIRST_VISIT, points=50)
    promote("Members", bonus_points=25, actions=["first_visit"], tiers=[silver])
    promote("Everyone", multiplier=Decimal("1.50"), actions=["first_visit"])
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    assert client_entries(ticket, customer)[0][:2] == ("first_visit", 75)  # not a Silver client


def test_r62_item_kinds_filter(customer):
    rule_set(Action.PRODUCT_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    retail = promote(
        "Retail week",
        bonus_points=30,
        actions=["service_purchase", "product_purchase"],
        item_kinds=["product"],
    )
    ticket = closed_ticket(
        customer=customer, lines=[(SERVICE, Decimal("10.00")), (ItemKind.PRODUCT, Decimal("10.00"))]
    )
    assert sorted(client_entries(ticket, customer)) == [
        ("product_purchase", 40, retail.pk),
        ("service_purchase", 10, None),
    ]


def test_r62_max_per_client_counts_benefits_and_a_void_gives_one_back(customer):
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    promote(bonus_points=100, max_per_client=1)
    first = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    second = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    assert client_entries(first, customer)[0][1] == 110
    assert client_entries(second, customer)[0][1] == 10
    ticket_void(first)
    third = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    assert client_entries(third, customer)[0][1] == 110


def test_r62_adjustments_recompute_with_the_promotion_the_ticket_closed_under(
    customer, time_machine
):
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    double = promote(multiplier=Decimal("2.00"))
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    time_machine.move_to(datetime(2026, 7, 15, 12, tzinfo=LOCAL), tick=False)  # promotion over
    line_set_net(ticket.lines.get(), Decimal("80.00"))
    assert client_entries(ticket, customer) == [
        ("service_purchase", 200, double.pk),
        ("service_purchase", -40, double.pk),
    ]
    ticket_void(ticket)
    assert sum(points for _, points, _ in client_entries(ticket, customer)) == 0


def test_r62_promotion_rules_and_codes(manager, front_desk):
    good = {
        "name": "Double week",
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-07",
        "actions": ["service_purchase"],
        "multiplier": "2.00",
    }
    with pytest.raises(PermissionRefused):
        promotion_save(changes=good, user=front_desk)
    for bad, code in (
        ({"multiplier": None}, "promotion_multiplier_or_bonus"),
        ({"bonus_points": 10}, "promotion_multiplier_or_bonus"),
        ({"multiplier": "1.00"}, "promotion_multiplier_or_bonus"),
        ({"multiplier": "10.01"}, "promotion_multiplier_or_bonus"),
        ({"ends_on": "2026-05-31"}, "promotion_invalid"),
        ({"actions": ["client_referral"]}, "promotion_invalid"),
        ({"actions": []}, "promotion_invalid"),
        ({"item_kinds": ["haircut"]}, "promotion_invalid"),
        ({"tiers": [999]}, "promotion_invalid"),
        ({"max_per_client": 0}, "promotion_invalid"),
    ):
        with pytest.raises((PromotionInvalid, PromotionMultiplierOrBonus)) as refused:
            promotion_save(changes={**good, **bad}, user=manager)
        assert refused.value.code == code, bad
    assert Promotion.objects.count() == 0
    promotion = promotion_save(changes=good, user=manager)
    assert promotion.multiplier == Decimal("2.00")
    assert promotion_state(promotion) == "ended"  # 1-7 June, seen on 15 June


def test_r62_a_promotion_points_were_earned_under_is_not_deleted(customer, manager):
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    used = promote(bonus_points=5)
    unused = promote("Later", bonus_points=5, starts_on=date(2026, 8, 1), ends_on=date(2026, 8, 2))
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    assert (promotion_state(used), promotion_state(unused)) == ("running", "next")
    with pytest.raises(PromotionInUse) as refused:
        promotion_delete(promotion=used, user=manager)
    assert refused.value.code == "promotion_in_use"
    promotion_delete(promotion=unused, user=manager)
    assert list(Promotion.objects.all()) == [used]


@pytest.mark.parametrize(
    ("given", "kept"),
    [(3, 3), ("3", 3), (Decimal("3"), 3), ("3.0", 3), (None, None)],
)
def test_r62_max_per_client_is_a_whole_number_read_as_every_loyalty_number(
    manager, given, kept
):  # R62, R76
    promotion = promotion_save(
        changes={
            "name": "Double week",
            "starts_on": "2026-06-01",
            "ends_on": "2026-06-07",
            "actions": ["service_purchase"],
            "multiplier": "2.00",
            "max_per_client": given,
        },
        user=manager,
    )
    assert promotion.max_per_client == kept


@pytest.mark.parametrize("given", [0, -1, "2.5", " 3 ", "3e0", True, 2**31, "three", [3]])
def test_r62_bonus_points_refuse_what_is_not_a_whole_number_from_1(manager, given):  # R76
    with pytest.raises(PromotionInvalid) as refused:
        promotion_save(
            changes={
                "name": "Double week",
                "starts_on": "2026-06-01",
                "ends_on": "2026-06-07",
                "actions": ["service_purchase"],
                "bonus_points": given,
            },
            user=manager,
        )
    assert (refused.value.code, refused.value.field) == ("promotion_invalid", "bonus_points")
