"""Earning, step 2 (R3-R16, R22, R34, R46, R61, R62): the pure rules from a ticket's ledger
state to the points it should hold and the entries that bring the ledger there, with worked
figures, without a database. `make mutate` runs these against loyalty/earning/rules.py."""

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.actions import ACTIONS
from loyalty.earning.fetch import SnapshotState, TicketLedgerState
from loyalty.earning.rules import (
    LedgerChange,
    available_at,
    client_earning,
    client_points,
    expected_points,
    floor_points,
    ledger_changes,
    per_visit_awards,
    promotions_choose,
    redemptions_to_give_back,
    snapshot_take,
    take_back_split,
)
from loyalty.promotion_rules import Earning, PromotionTerms

NOW = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)
GOLD = {"id": 7, "name": "Gold", "multiplier": "1.50"}


def rules(**active):
    """Every action inactive at 0 points, but those given: action=(points, spend_unit,
    referrer_points)."""
    table = {
        action: {"active": False, "points": 0, "spend_unit": None, "referrer_points": None}
        for action in ACTIONS
    }
    for action, (points, unit, referrer) in active.items():
        table[action] = {
            "active": True,
            "points": points,
            "spend_unit": unit,
            "referrer_points": referrer,
        }
    return table


FACTS_NONE = {
    "earlier_ticket": False,
    "earlier_service": False,
    "earlier_membership": False,
    "earlier_series_package": False,
    "reservation_fulfilled": False,
    "appointment_prebooked": False,
    "appointment_online": False,
}


def state(**values) -> TicketLedgerState:
    base = dict(
        ticket_id=1,
        status="closed",
        client_id=10,
        appointment_id=None,
        client_source="front_desk",
        client_merged_into_id=None,
        referrer_id=None,
        referrer_is_tombstone=False,
        rewards_on=True,
        hold_hours=24,
        expiry_days=None,
        rules=rules(),
        snapshot=None,
        amounts={},
        amounts_with_tax={},
        earn_on="pre_tax",
        held={},
        redemptions=[],
        first_time=dict(FACTS_NONE),
    )
    base.update(values)
    return TicketLedgerState(**base)


def snapshot(**values) -> SnapshotState:
    base = dict(
        client_id=10,
        client_merged_into_id=None,
        referrer_id=None,
        referrer_merged_into_id=None,
        rewards_on=True,
        rules=rules(),
        per_visit_awards=[],
    )
    base.update(values)
    return SnapshotState(**base)


def promotion(id, *, actions, multiplier=None, bonus=None, tiers=(), created_day=1):
    return PromotionTerms(
        id=id,
        name=f"Promotion {id}",
        created_at=datetime(2026, 1, created_day, tzinfo=UTC),
        actions=frozenset(actions),
        item_kinds=frozenset(),
        tier_ids=frozenset(tiers),
        multiplier=None if multiplier is None else Decimal(multiplier),
        bonus_points=bonus,
    )


# --- R3: rounding down per (ticket, action) ---------------------------------------------------


def test_r3_points_are_rounded_down_never_half_up():
    assert floor_points(Decimal("33.33"), 2, Decimal("1.00")) == 66  # 66.66
    assert floor_points(Decimal("99.99"), 5, Decimal("100.00")) == 4  # 4.9995
    assert floor_points(Decimal("100.00"), 5, Decimal("100.00")) == 5
    assert floor_points(Decimal("0.00"), 5, Decimal("1.00")) == 0
    assert floor_points(Decimal("10.00"), 3, Decimal("4.00")) == 7  # 7.5
    assert isinstance(floor_points(Decimal("10.00"), 3, Decimal("4.00")), int)


def test_r15_points_become_redeemable_hold_hours_later():
    assert available_at(hold_hours=24, now=NOW) == datetime(2026, 6, 2, 16, 0, tzinfo=UTC)
    assert available_at(hold_hours=0, now=NOW) == NOW


# --- SPEC §3: the per-visit and first-time awards ---------------------------------------------

EVERY_AWARD = rules(
    first_visit=(10, None, None),
    online_signup=(20, None, None),
    client_referral=(30, None, None),
    referred_membership_purchase=(40, None, None),
    referred_package_purchase=(50, None, None),
    prebooked_appointment=(60, None, 6),
    online_booking=(70, None, 7),
    product_reservation=(80, None, None),
)
QUALIFIES_FOR_ALL = dict(
    rules=EVERY_AWARD,
    amounts={
        "service": Decimal("10.00"),
        "membership": Decimal("10.00"),
        "series_package": Decimal("10.00"),
    },
    client_source="online",
    appointment_id=5,
    first_time=dict(
        FACTS_NONE,
        reservation_fulfilled=True,
        appointment_prebooked=True,
        appointment_online=True,
    ),
)
ALL_AWARDS = [
    "first_visit",
    "online_signup",
    "client_referral",
    "referred_membership_purchase",
    "referred_package_purchase",
    "prebooked_appointment",
    "online_booking",
    "product_reservation",
]


def test_first_time_awards_all_in_their_order():
    awards = per_visit_awards(state=state(**QUALIFIES_FOR_ALL), referrer_id=3, rules=EVERY_AWARD)
    assert awards == ALL_AWARDS
    assert all(type(award) is str for award in awards)


def test_an_app_sign_up_is_online_too():
    ticket = state(**dict(QUALIFIES_FOR_ALL, client_source="app"))
    assert "online_signup" in per_visit_awards(state=ticket, referrer_id=3, rules=EVERY_AWARD)


def _without(facts=None, **values):
    changed = dict(QUALIFIES_FOR_ALL, **values)
    if facts:
        changed["first_time"] = dict(QUALIFIES_FOR_ALL["first_time"], **facts)
    return changed


@pytest.mark.parametrize(
    ("changed", "referrer", "missing"),
    [
        (_without(amounts={"membership": Decimal(1), "series_package": Decimal(1)}), 3,
         {"first_visit"}),
        (_without(facts={"earlier_service": True}), 3, {"first_visit"}),
        (_without(client_source="front_desk"), 3, {"online_signup"}),
        (_without(client_source=None), 3, {"online_signup"}),
        (_without(facts={"earlier_ticket": True}), 3, {"online_signup", "client_referral"}),
        (_without(), None,
         {"client_referral", "referred_membership_purchase", "referred_package_purchase"}),
        (_without(amounts={"service": Decimal(1), "series_package": Decimal(1)}), 3,
         {"referred_membership_purchase"}),
        (_without(facts={"earlier_membership": True}), 3, {"referred_membership_purchase"}),
        (_without(amounts={"service": Decimal(1), "membership": Decimal(1)}), 3,
         {"referred_package_purchase"}),
        (_without(facts={"earlier_series_package": True}), 3, {"referred_package_purchase"}),
        (_without(appointment_id=None), 3, {"prebooked_appointment", "online_booking"}),
        (_without(facts={"appointment_prebooked": False}), 3, {"prebooked_appointment"}),
        (_without(facts={"appointment_online": False}), 3, {"online_booking"}),
        (_without(facts={"reservation_fulfilled": False}), 3, {"product_reservation"}),
    ],
)  # fmt: skip
def test_each_award_needs_its_own_facts(changed, referrer, missing):
    awards = per_visit_awards(state=state(**changed), referrer_id=referrer, rules=EVERY_AWARD)
    assert awards == [award for award in ALL_AWARDS if award not in missing]


@pytest.mark.parametrize("inactive", ALL_AWARDS)
def test_an_inactive_rule_awards_nothing(inactive):
    table = {**EVERY_AWARD, inactive: dict(EVERY_AWARD[inactive], active=False)}
    ticket = state(**dict(QUALIFIES_FOR_ALL, rules=table))
    awards = per_visit_awards(state=ticket, referrer_id=3, rules=table)
    assert awards == [award for award in ALL_AWARDS if award != inactive]


# --- R61: what the client's own points are computed from --------------------------------------


def test_r61_a_spend_action_earns_at_the_tier_multiplier():
    rule = {"active": True, "points": 2, "spend_unit": "1.00", "referrer_points": 5}
    assert client_earning(
        action="service_purchase", rule=rule, amount=Decimal("100.00"), tier=GOLD
    ) == Earning(
        action="service_purchase",
        amount=Decimal("100.00"),
        points=2,
        spend_unit=Decimal("1.00"),
        tier_multiplier=Decimal("1.50"),
        item_kind="service",
    )
    assert client_earning(
        action="product_purchase", rule=rule, amount=Decimal("3.00"), tier=None
    ) == Earning(
        action="product_purchase",
        amount=Decimal("3.00"),
        points=2,
        spend_unit=Decimal("1.00"),
        tier_multiplier=Decimal(1),
        item_kind="product",
    )


def test_r61_a_per_visit_action_earns_its_points_once_at_x1():
    rule = {"active": True, "points": 40, "spend_unit": None, "referrer_points": None}
    assert client_earning(action="first_visit", rule=rule, amount=None, tier=GOLD) == Earning(
        action="first_visit",
        amount=Decimal(1),
        points=40,
        spend_unit=Decimal(1),
        tier_multiplier=Decimal(1),
        item_kind=None,
    )


# --- R62: the promotion each (ticket, action) closes under ------------------------------------


def test_r62_promotions_chosen_for_active_spend_actions_and_client_awards():
    table = rules(
        service_purchase=(2, "1.00", 5),
        day_package_purchase=(1, "1.00", None),
        first_visit=(100, None, None),
        client_referral=(300, None, None),
    )
    ticket = state(rules=table, amounts={"service": Decimal("100.00")})
    double = promotion(1, actions=["service_purchase", "product_purchase"], multiplier="2.00")
    bonus = promotion(2, actions=["first_visit", "client_referral"], bonus=50)
    triple_packages = promotion(3, actions=["day_package_purchase"], multiplier="3.00")
    chosen = promotions_choose(
        state=ticket,
        awards=["first_visit", "client_referral"],
        tier=None,
        promotions=[double, bonus, triple_packages],
    )
    # product_purchase is inactive; a day package with no lines earns 0, x3 or not; the
    # referral is the referrer's, never under a client promotion.
    assert chosen == {
        "service_purchase": {
            "id": 1,
            "name": "Promotion 1",
            "multiplier": "2.00",
            "bonus_points": None,
        },
        "first_visit": {"id": 2, "name": "Promotion 2", "multiplier": None, "bonus_points": 50},
    }


def test_r62_a_tier_only_promotion_needs_the_clients_tier():
    table = rules(service_purchase=(2, "1.00", None))
    ticket = state(rules=table, amounts={"service": Decimal("100.00")})
    gold_only = promotion(1, actions=["service_purchase"], bonus=10, tiers=[GOLD["id"]])
    assert promotions_choose(state=ticket, awards=[], tier=None, promotions=[gold_only]) == {}
    assert list(promotions_choose(state=ticket, awards=[], tier=GOLD, promotions=[gold_only])) == [
        "service_purchase"
    ]


def test_r62_the_tier_multiplier_counts_when_promotions_compete():
    # Gold x1.5 on $100 at 2 per $1 = 300; x2 gives 600, +250 gives 550: x2 wins. At x1 it
    # would be 400 against 450: the bonus.
    table = rules(service_purchase=(2, "1.00", None))
    ticket = state(rules=table, amounts={"service": Decimal("100.00")})
    double = promotion(1, actions=["service_purchase"], multiplier="2.00")
    bonus = promotion(2, actions=["service_purchase"], bonus=250)
    gold = promotions_choose(state=ticket, awards=[], tier=GOLD, promotions=[double, bonus])
    assert gold["service_purchase"]["id"] == 1
    plain = promotions_choose(state=ticket, awards=[], tier=None, promotions=[double, bonus])
    assert plain["service_purchase"]["id"] == 2


# --- R11, R16: the snapshot taken at the first close -----------------------------------------


def test_r11_the_snapshot_keeps_rules_client_referrer_awards_tier_and_promotions():
    table = rules(
        service_purchase=(2, "1.00", 5),
        first_visit=(100, None, None),
        client_referral=(300, None, None),
    )
    ticket = state(
        rules=table,
        amounts={"service": Decimal("100.00")},
        referrer_id=3,
        client_merged_into_id=None,
        earn_on="post_tax",
        tier=GOLD,
    )
    double = promotion(1, actions=["service_purchase"], multiplier="2.00", tiers=[GOLD["id"]])
    taken = snapshot_take(state=ticket, promotions=[double])
    assert taken == SnapshotState(
        client_id=10,
        client_merged_into_id=None,
        referrer_id=3,
        referrer_merged_into_id=None,
        rewards_on=True,
        rules=table,
        per_visit_awards=["first_visit", "client_referral"],
        earn_on="post_tax",
        tier=GOLD,
        promotions={
            "service_purchase": {
                "id": 1,
                "name": "Promotion 1",
                "multiplier": "2.00",
                "bonus_points": None,
            }
        },
    )


def test_r6_a_tombstone_referrer_earns_nothing():
    table = rules(client_referral=(300, None, None))
    ticket = state(rules=table, referrer_id=3, referrer_is_tombstone=True)
    taken = snapshot_take(state=ticket)
    assert taken.referrer_id is None
    assert taken.per_visit_awards == []


def test_r34_with_the_feature_off_the_snapshot_holds_no_award_and_no_promotion():
    table = rules(service_purchase=(2, "1.00", None), first_visit=(100, None, None))
    ticket = state(rules=table, amounts={"service": Decimal("100.00")}, rewards_on=False)
    double = promotion(1, actions=["service_purchase"], multiplier="2.00")
    taken = snapshot_take(state=ticket, promotions=[double])
    assert (taken.per_visit_awards, taken.promotions, taken.rewards_on) == ([], {}, False)


def test_r62_no_promotion_running_chooses_none():
    table = rules(service_purchase=(2, "1.00", None))
    taken = snapshot_take(state=state(rules=table, amounts={"service": Decimal("100.00")}))
    assert taken.promotions == {}
    assert taken.client_merged_into_id is None
    merged = snapshot_take(state=state(rules=table, client_merged_into_id=99))
    assert merged.client_merged_into_id == 99


# --- R3-R16, R46, R61, R62: what the ticket should hold ---------------------------------------


def test_r61_r62_gold_client_under_a_2x_promotion_earns_600_and_the_referrer_5():
    """Issue 18's figures: $100 of service at 2 per $1, Gold x1.5, a 2x promotion: 600;
    the referrer 5 per $100 at x1."""
    table = rules(service_purchase=(2, "1.00", None))
    table["service_purchase"]["referrer_points"] = 5
    table["service_purchase"]["spend_unit"] = "100.00"
    table["service_purchase"]["points"] = 200
    kept = snapshot(
        rules=table,
        referrer_id=3,
        tier=GOLD,
        promotions={"service_purchase": {"multiplier": "2.00", "bonus_points": None}},
    )
    ticket = state(amounts={"service": Decimal("100.00")})
    assert expected_points(state=ticket, snapshot=kept) == {
        ("service_purchase", "client"): 600,
        ("service_purchase", "referrer"): 5,
    }


def test_r3_each_spend_action_on_its_own_kind_rounded_down():
    table = rules(
        service_purchase=(3, "2.00", 1),
        product_purchase=(1, "1.00", None),
        gift_card_purchase=(2, "1.00", 0),
    )
    kept = snapshot(rules=table, referrer_id=3)
    ticket = state(amounts={"service": Decimal("33.33"), "product": Decimal("12.50")})
    # 33.33 x 3 / 2 = 49.995 -> 49; the referrer 33.33 x 1 / 2 = 16.665 -> 16; product 12;
    # gift cards: no lines, 0; a referrer cell of 0 earns nothing at all.
    assert expected_points(state=ticket, snapshot=kept) == {
        ("service_purchase", "client"): 49,
        ("service_purchase", "referrer"): 16,
        ("product_purchase", "client"): 12,
        ("gift_card_purchase", "client"): 0,
    }


def test_r46_the_basis_is_the_snapshots_earn_on():
    table = rules(service_purchase=(1, "1.00", None))
    ticket = state(
        amounts={"service": Decimal("83.33")}, amounts_with_tax={"service": Decimal("100.00")}
    )
    assert expected_points(state=ticket, snapshot=snapshot(rules=table)) == {
        ("service_purchase", "client"): 83
    }
    post_tax = snapshot(rules=table, earn_on="post_tax")
    assert expected_points(state=ticket, snapshot=post_tax) == {("service_purchase", "client"): 100}


def test_r61_per_visit_awards_earn_no_tier_but_their_promotion_and_referrer_points():
    table = rules(
        prebooked_appointment=(60, None, 6),
        first_visit=(100, None, None),
        client_referral=(300, None, None),
    )
    kept = snapshot(
        rules=table,
        referrer_id=3,
        tier=GOLD,
        per_visit_awards=["prebooked_appointment", "first_visit", "client_referral"],
        promotions={"first_visit": {"multiplier": None, "bonus_points": 25}},
    )
    assert expected_points(state=state(), snapshot=kept) == {
        ("prebooked_appointment", "client"): 60,
        ("prebooked_appointment", "referrer"): 6,
        ("first_visit", "client"): 125,
        ("client_referral", "referrer"): 300,
    }


def test_r6_referrer_points_only_with_a_referrer():
    table = rules(prebooked_appointment=(60, None, 6), service_purchase=(1, "1.00", 2))
    kept = snapshot(rules=table, per_visit_awards=["prebooked_appointment"])
    assert expected_points(state=state(amounts={"service": Decimal("10.00")}), snapshot=kept) == {
        ("prebooked_appointment", "client"): 60,
        ("service_purchase", "client"): 10,
    }


def test_r16_a_voided_or_open_ticket_should_hold_nothing_feedback_until_the_void():
    held = {("feedback", "client"): (50, 1), ("service_purchase", "client"): (200, 1)}
    table = rules(service_purchase=(2, "1.00", None))
    kept = snapshot(rules=table)
    for status in ("voided", "open"):
        assert expected_points(state=state(status=status, held=held), snapshot=kept) == {}
    assert expected_points(state=state(held=held), snapshot=None) == {}
    closed = state(held=held, amounts={"service": Decimal("100.00")})
    assert expected_points(state=closed, snapshot=kept) == {
        ("feedback", "client"): 50,
        ("service_purchase", "client"): 200,
    }


def test_r34_closed_with_the_feature_off_keeps_only_feedback():
    held = {("shared_feedback", "client"): (30, 1), ("service_purchase", "client"): (200, 1)}
    kept = snapshot(rules=rules(service_purchase=(2, "1.00", None)), rewards_on=False)
    closed = state(held=held, amounts={"service": Decimal("100.00")})
    assert expected_points(state=closed, snapshot=kept) == {("shared_feedback", "client"): 30}


def test_r62_client_points_without_a_promotion_at_the_tier():
    rule = {"active": True, "points": 2, "spend_unit": "1.00", "referrer_points": None}
    kept = snapshot(tier=GOLD, promotions=None)
    assert (
        client_points(action="service_purchase", rule=rule, amount=Decimal("33.33"), snapshot=kept)
        == 99  # 33.33 x 2 x 1.5 = 99.99
    )
    with_bonus = snapshot(promotions={"service_purchase": {"multiplier": "2", "bonus_points": 7}})
    assert (
        client_points(
            action="service_purchase", rule=rule, amount=Decimal("10.00"), snapshot=with_bonus
        )
        == 47
    )


# --- R13, R16: the entries that bring the ledger there ----------------------------------------


def test_r13_first_earnings_then_adjustments_numbered_after_what_is_held():
    ticket = state(
        held={
            ("product_purchase", "client"): (50, 2),
            ("service_purchase", "client"): (200, 1),
            ("feedback", "client"): (10, 1),
        }
    )
    kept = snapshot(referrer_id=3)
    expected = {
        ("service_purchase", "client"): 150,
        ("service_purchase", "referrer"): 5,
        ("first_visit", "client"): 100,
        ("product_purchase", "client"): 50,
        ("feedback", "client"): 10,
    }
    assert ledger_changes(state=ticket, snapshot=kept, expected=expected) == [
        LedgerChange("first_visit", "client", 100, "earn", 1),
        LedgerChange("service_purchase", "client", -50, "adjustment", 2),
        LedgerChange("service_purchase", "referrer", 5, "referral_earn", 1),
    ]


def test_r13_an_increase_after_an_earning_is_an_adjustment():
    ticket = state(held={("service_purchase", "client"): (200, 1)})
    assert ledger_changes(
        state=ticket, snapshot=snapshot(), expected={("service_purchase", "client"): 260}
    ) == [LedgerChange("service_purchase", "client", 60, "adjustment", 2)]
    # held by entries that net to 0: still an adjustment
    ticket = state(held={("service_purchase", "client"): (0, 2)})
    assert ledger_changes(
        state=ticket, snapshot=snapshot(), expected={("service_purchase", "client"): 10}
    ) == [LedgerChange("service_purchase", "client", 10, "adjustment", 3)]


def test_r16_a_void_takes_everything_back():
    ticket = state(
        status="voided",
        held={("service_purchase", "client"): (200, 1), ("service_purchase", "referrer"): (5, 1)},
    )
    assert ledger_changes(state=ticket, snapshot=snapshot(referrer_id=3), expected={}) == [
        LedgerChange("service_purchase", "client", -200, "adjustment", 2),
        LedgerChange("service_purchase", "referrer", -5, "adjustment", 2),
    ]


def test_r6_no_referrer_share_without_a_snapshot_that_names_one():
    ticket = state(held={("service_purchase", "referrer"): (5, 1)})
    expected = {("service_purchase", "referrer"): 9, ("service_purchase", "client"): 0}
    assert ledger_changes(state=ticket, snapshot=snapshot(), expected=expected) == []
    assert ledger_changes(state=ticket, snapshot=None, expected=expected) == []


def test_r34_with_the_feature_off_nothing_is_earned_but_take_backs_happen():
    ticket = state(rewards_on=False, held={("product_purchase", "client"): (80, 1)})
    expected = {("service_purchase", "client"): 200, ("product_purchase", "client"): 30}
    assert ledger_changes(state=ticket, snapshot=snapshot(), expected=expected) == [
        LedgerChange("product_purchase", "client", -50, "adjustment", 2)
    ]


def test_r15_a_take_back_comes_from_pending_lots_latest_first_then_at_once():
    later = NOW + timedelta(hours=20)
    sooner = NOW + timedelta(hours=5)
    pending = [(later, 30), (sooner, 0), (NOW, -4), (sooner, 50)]
    assert take_back_split(points=60, pending=pending, now=NOW) == [(-30, later), (-30, sooner)]
    assert take_back_split(points=100, pending=pending, now=NOW) == [
        (-30, later),
        (-50, sooner),
        (-20, NOW),
    ]
    assert take_back_split(points=30, pending=pending, now=NOW) == [(-30, later)]
    assert take_back_split(points=25, pending=[], now=NOW) == [(-25, NOW)]
    assert take_back_split(points=0, pending=pending, now=NOW) == []


def test_r22_redemptions_go_back_when_removed_or_when_the_ticket_is_voided():
    redemptions = [(1, 500, 10, None, True), (2, 300, 10, 11, False)]
    assert redemptions_to_give_back(state=state(status="open", redemptions=redemptions)) == [
        (2, 300, 10, 11)
    ]
    assert redemptions_to_give_back(state=state(status="closed", redemptions=redemptions)) == [
        (2, 300, 10, 11)
    ]
    assert redemptions_to_give_back(state=state(status="voided", redemptions=redemptions)) == [
        (1, 500, 10, None),
        (2, 300, 10, 11),
    ]


def test_snapshot_fields_default_to_pre_tax_without_tier_or_promotion():
    kept = snapshot()
    assert (kept.earn_on, kept.tier, kept.promotions) == ("pre_tax", None, None)
    assert dataclasses.replace(kept, referrer_id=3).referrer_id == 3


def test_r62_referrer_points_are_never_under_a_promotion():
    # Even a snapshot naming a promotion for a referral action leaves the referrer at x1.
    table = rules(client_referral=(300, None, None))
    kept = snapshot(
        rules=table,
        referrer_id=3,
        per_visit_awards=["client_referral"],
        promotions={"client_referral": {"multiplier": "2.00", "bonus_points": 50}},
    )
    assert expected_points(state=state(), snapshot=kept) == {("client_referral", "referrer"): 300}


def test_r34_not_even_a_single_point_is_earned_with_the_feature_off():
    ticket = state(rewards_on=False, held={("service_purchase", "client"): (80, 1)})
    expected = {("first_visit", "client"): 1, ("service_purchase", "client"): 79}
    # first_visit sorts first: the take-back after it is still made
    assert ledger_changes(state=ticket, snapshot=snapshot(), expected=expected) == [
        LedgerChange("service_purchase", "client", -1, "adjustment", 2)
    ]


def test_r13_a_single_first_point_is_an_earning():
    assert ledger_changes(
        state=state(), snapshot=snapshot(), expected={("service_purchase", "client"): 1}
    ) == [LedgerChange("service_purchase", "client", 1, "earn", 1)]


def test_r15_a_pending_lot_of_a_single_point_is_taken_back_first():
    later = NOW + timedelta(hours=20)
    assert take_back_split(points=3, pending=[(later, 1)], now=NOW) == [(-1, later), (-2, NOW)]
