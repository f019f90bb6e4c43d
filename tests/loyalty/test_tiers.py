"""Tiers (R61): qualifying spend, upgrade at the crossing close effective from the next
ticket, the monthly review, manual placement, and the multiplier on the client's own
spend points only."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import ItemKind
from catalog.services import tax_rate_create
from clients.errors import ClientMerged
from clients.merge import client_merge
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.errors import TierInUse, TierInvalid, TierReasonRequired
from loyalty.models import ClientTier, LoyaltySettings, PointsEntry, Promotion, Tier, TierChange
from loyalty.redemption import points_redeem
from loyalty.rewards_box import client_points_balance
from loyalty.tier_table import tier_delete, tier_save
from loyalty.tiers import (
    client_qualifying_spend,
    client_tier_box,
    client_tier_get,
    client_tier_place,
    tiers_review,
)
from salon.errors import PermissionRefused
from salon.limits import REASON_MAX_LENGTH
from salon.services import salon_settings_update
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import (
    closed_ticket,
    line_set_net,
    rule_set,
    ticket_close,
    ticket_void,
    ticket_with_lines,
)
from tickets.lifecycle import ticket_close as lifecycle_close
from tickets.lifecycle import ticket_open
from tickets.lines import ticket_add_line, ticket_update_line
from tickets.models import PaymentMethod
from tickets.payments import payment_add
from tickets.selectors import ticket_amounts

pytestmark = pytest.mark.django_db

SERVICE = ItemKind.SERVICE
LOCAL = ZoneInfo("America/New_York")


def at(year, month, day, hour=12):
    return datetime(year, month, day, hour, tzinfo=LOCAL)


@pytest.fixture
def silver_and_gold(db):
    silver = Tier.objects.create(
        name="Silver",
        min_spend=Decimal("1000.00"),
        keep_spend=Decimal("800.00"),
        multiplier=Decimal("1.25"),
    )
    gold = Tier.objects.create(
        name="Gold",
        min_spend=Decimal("2500.00"),
        keep_spend=Decimal("2000.00"),
        multiplier=Decimal("1.50"),
    )
    return silver, gold


def points_of(ticket, client):
    return sum(
        PointsEntry.objects.filter(ticket=ticket, client=client).values_list("points", flat=True)
    )


def test_r61_the_ticket_that_crosses_1000_earns_x1_the_next_x1_25(customer, silver_and_gold):
    silver, _ = silver_and_gold
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    first = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("900.00"))])
    assert client_tier_get(client_id=customer.pk) is None
    crossing = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("200.00"))])
    assert points_of(crossing, customer) == 200  # at the tier held before: none, x1
    assert client_tier_get(client_id=customer.pk) == silver
    following = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    assert points_of(following, customer) == 125  # 100 x 1 x 1.25
    assert points_of(first, customer) == 900
    change = TierChange.objects.get(client=customer)
    assert (change.kind, change.to_tier, change.ticket, change.qualifying_spend) == (
        "upgrade",
        "Silver",
        crossing,
        Decimal("1100.00"),
    )


def test_r61_gold_x1_5_applies_to_the_clients_spend_points_not_referrer_nor_per_visit(
    silver_and_gold,
):
    _, gold = silver_and_gold
    referrer = ClientFactory()
    client = ClientFactory(referred_by=referrer)
    ClientTier.objects.create(client=client, tier=gold, held_since=at(2026, 1, 1))
    rule_set(Action.SERVICE_PURCHASE, points=200, spend_unit=Decimal("100.00"), referrer_points=5)
    rule_set(Action.FIRST_VISIT, points=50)
    ticket = closed_ticket(customer=client, lines=[(SERVICE, Decimal("100.00"))])
    by_action = dict(
        PointsEntry.objects.filter(ticket=ticket, client=client).values_list("action", "points")
    )
    assert by_action == {"service_purchase": 300, "first_visit": 50}
    assert points_of(ticket, referrer) == 5


def test_r61_the_multiplier_is_snapshotted_at_close_for_adjustments(customer, silver_and_gold):
    silver, _ = silver_and_gold
    ClientTier.objects.create(client=customer, tier=silver, held_since=at(2026, 1, 1))
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    assert points_of(ticket, customer) == 125
    Tier.objects.filter(pk=silver.pk).update(multiplier=Decimal("3.00"))
    line_set_net(ticket.lines.get(), Decimal("80.00"))
    assert points_of(ticket, customer) == 100  # 80 x 1.25, the close's multiplier
    ticket_void(ticket)
    assert points_of(ticket, customer) == 0


def test_r61_qualifying_spend_counts_adjustments_not_gift_cards_voids_or_old_tickets(
    customer, time_machine
):
    time_machine.move_to(at(2026, 6, 1), tick=False)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))], now=at(2025, 6, 1))
    kept = closed_ticket(
        customer=customer,
        lines=[(SERVICE, Decimal("300.00")), (ItemKind.GIFT_CARD, Decimal("500.00"))],
        now=at(2026, 5, 1),
    )
    voided = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("50.00"))])
    ticket_void(voided)
    line_set_net(kept.lines.get(item__kind=SERVICE), Decimal("250.00"))
    assert client_qualifying_spend(client_id=customer.pk) == Decimal("250.00")
    LoyaltySettings.objects.filter(pk=1).update(tier_window_days=400)
    assert client_qualifying_spend(client_id=customer.pk) == Decimal("350.00")


def test_r61_spend_counts_whether_or_not_a_rule_is_active(customer, silver_and_gold):
    silver, _ = silver_and_gold
    closed_ticket(customer=customer, lines=[(ItemKind.PRODUCT, Decimal("1000.00"))])
    assert client_tier_get(client_id=customer.pk) == silver
    assert client_points_balance(client=customer).total == 0


def test_r61_a_refund_never_downgrades_at_once(customer, silver_and_gold):
    silver, _ = silver_and_gold
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("1000.00"))])
    ticket_void(ticket)
    assert client_qualifying_spend(client_id=customer.pk) == Decimal("0.00")
    assert client_tier_get(client_id=customer.pk) == silver


def test_r61_downgrade_only_on_the_1st_after_validity(customer, silver_and_gold, time_machine):
    silver, gold = silver_and_gold
    time_machine.move_to(at(2026, 1, 10), tick=False)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("2500.00"))])
    assert client_tier_get(client_id=customer.pk) == gold
    time_machine.move_to(at(2026, 12, 1), tick=False)
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("900.00"))])
    # spend in the last 365 days on 2027-01-11 is 900: Silver's 800 to stay is met
    time_machine.move_to(at(2027, 1, 1), tick=False)
    assert tiers_review() == []  # the 1st, but not yet 365 days held
    time_machine.move_to(at(2027, 1, 15), tick=False)
    assert tiers_review() == []  # past validity, but not the 1st
    assert client_tier_get(client_id=customer.pk) == gold
    time_machine.move_to(at(2027, 2, 1), tick=False)
    changes = tiers_review()
    assert [(c.from_tier, c.to_tier, c.qualifying_spend) for c in changes] == [
        ("Gold", "Silver", Decimal("900.00"))
    ]
    assert client_tier_get(client_id=customer.pk) == silver
    assert tiers_review() == []  # once
    call_command("review_tiers")
    assert TierChange.objects.filter(kind="downgrade").count() == 1


def test_r61_review_drops_to_no_tier_when_no_keep_spend_is_met(
    customer, silver_and_gold, time_machine
):
    _, gold = silver_and_gold
    ClientTier.objects.create(client=customer, tier=gold, held_since=at(2025, 1, 5))
    time_machine.move_to(at(2026, 3, 1), tick=False)
    tiers_review()
    assert client_tier_get(client_id=customer.pk) is None


def test_r61_manual_placement_needs_a_reason_is_audited_and_holds_for_validity(
    customer, manager, front_desk, silver_and_gold, time_machine
):
    _, gold = silver_and_gold
    time_machine.move_to(at(2026, 3, 10), tick=False)
    with pytest.raises(PermissionRefused):
        client_tier_place(client=customer, tier=gold, reason="VIP", user=front_desk)
    with pytest.raises(TierReasonRequired) as refused:
        client_tier_place(client=customer, tier=gold, reason="  ", user=manager)
    assert refused.value.code == "tier_reason_required"
    with pytest.raises(TierReasonRequired) as refused:  # longer than the TierChange column
        long = "x" * (REASON_MAX_LENGTH + 1)
        client_tier_place(client=customer, tier=gold, reason=long, user=manager)
    assert (refused.value.code, refused.value.field) == ("tier_reason_required", "reason")
    client_tier_place(client=customer, tier=gold, reason="Owner's friend", user=manager)
    change = TierChange.objects.get(client=customer)
    assert (change.kind, change.to_tier, change.reason, change.created_by) == (
        "manual",
        "Gold",
        "Owner's friend",
        manager,
    )
    time_machine.move_to(at(2027, 3, 1), tick=False)
    tiers_review()
    assert client_tier_get(client_id=customer.pk) == gold  # 356 days: still held
    time_machine.move_to(at(2027, 4, 1), tick=False)
    tiers_review()
    assert client_tier_get(client_id=customer.pk) is None


def test_r61_a_tombstone_is_not_placed(manager, silver_and_gold):
    survivor = ClientFactory()
    duplicate = ClientFactory(merged_into=survivor)
    with pytest.raises(ClientMerged) as refused:
        client_tier_place(client=duplicate, tier=silver_and_gold[0], reason="x", user=manager)
    assert refused.value.code == "client_merged"


def test_r61_rewards_box_tier_spend_and_next_tier(customer, silver_and_gold):
    assert client_tier_box(client_id=customer.pk)["next_tier"] == {
        "name": "Silver",
        "spend_needed": Decimal("1000.00"),
    }
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("1200.00"))])
    silver = silver_and_gold[0]
    assert client_tier_box(client_id=customer.pk) == {
        "tier": {"id": silver.pk, "name": "Silver", "multiplier": Decimal("1.25")},
        "qualifying_spend": Decimal("1200.00"),
        "next_tier": {"name": "Gold", "spend_needed": Decimal("1300.00")},
    }


def test_r61_no_tiers_no_tier_box(customer):
    assert client_tier_box(client_id=customer.pk) == {
        "tier": None,
        "qualifying_spend": None,
        "next_tier": None,
    }


def test_r61_tier_table_rules(manager, front_desk):
    with pytest.raises(PermissionRefused):
        tier_save(changes={"name": "Silver", "min_spend": "1000.00"}, user=front_desk)
    silver = tier_save(
        changes={"name": "Silver", "min_spend": "1000.00", "multiplier": "1.25"}, user=manager
    )
    assert (silver.keep_spend, silver.multiplier) == (Decimal("1000.00"), Decimal("1.25"))
    for changes in (
        {"name": "Gold", "min_spend": "0"},
        {"name": "Gold", "min_spend": "2500.001"},
        {"name": "Gold", "min_spend": "2500", "keep_spend": "2600"},
        {"name": "Gold", "min_spend": "2500", "multiplier": "0.99"},
        {"name": "Gold", "min_spend": "1000.00"},
        {"name": "silver", "min_spend": "2500"},
    ):
        with pytest.raises(TierInvalid.__mro__[1]) as refused:
            tier_save(changes=changes, user=manager)
        assert refused.value.code in ("tier_invalid", "tier_name_taken"), changes
    assert Tier.objects.count() == 1


def test_r61_a_tier_held_by_a_client_is_not_deleted(customer, manager, silver_and_gold):
    silver, gold = silver_and_gold
    ClientTier.objects.create(client=customer, tier=silver, held_since=at(2026, 1, 1))
    with pytest.raises(TierInUse) as refused:
        tier_delete(tier=silver, user=manager)
    assert refused.value.code == "tier_in_use"
    tier_delete(tier=gold, user=manager)
    assert list(Tier.objects.all()) == [silver]


def test_r61_close_statement_count_is_constant_with_tiers_and_promotions_on(
    customer, silver_and_gold, django_assert_num_queries
):
    """The close costs the same statements for 1 or 20 lines and any history (pinned)."""
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    promotion = Promotion.objects.create(
        name="Double",
        starts_on=at(2000, 1, 1).date(),
        ends_on=at(2100, 1, 1).date(),
        actions=["service_purchase"],
        multiplier=Decimal("2.00"),
        max_per_client=100,
    )
    promotion.tiers.set(silver_and_gold)
    ClientTier.objects.create(client=customer, tier=silver_and_gold[0], held_since=at(2026, 1, 1))
    small = ticket_with_lines(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    with CaptureQueriesContext(connection) as one_line:
        ticket_close(small)
    for _ in range(5):
        closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    large = ticket_with_lines(customer=customer, lines=[(SERVICE, Decimal("10.00"))] * 20)
    with django_assert_num_queries(len(one_line)):
        ticket_close(large)
    assert PointsEntry.objects.filter(ticket=large).get().points == 500  # 200 x 1.25 x 2


# --- R61 with R46: qualifying spend on the pre-tax basis -------------------------------------


@pytest.fixture
def vat_20(manager):
    return tax_rate_create(name="VAT", percent=Decimal("20"))


@pytest.fixture
def bronze_at_90(db):
    return Tier.objects.create(
        name="Bronze", min_spend=Decimal("90.00"), keep_spend=Decimal("90.00"), multiplier=1
    )


def paid_and_closed(*, customer, item, user, points=0):
    """A ticket of one `item`, `points` of it paid with points and the rest in cash."""
    ticket = ticket_open(client=customer)
    ticket_add_line(ticket=ticket, item=item)
    if points:
        points_redeem(ticket=ticket, points=points, user=user)
    due = ticket_amounts(ticket=ticket).balance_due
    payment_add(ticket=ticket, method=PaymentMethod.CASH, amount=due)
    return lifecycle_close(ticket=ticket, user=user)


def test_r61_r46_tax_inclusive_100_at_20_percent_qualifies_83_33(
    customer, manager, vat_20, bronze_at_90, all_features, manager_api
):
    """$100 with 20 % included is $83.33 before tax: that is what counts, in the service,
    the rewards box and the tier decision alike ($90 is not reached)."""
    salon_settings_update(user=manager, changes={"prices_include_tax": True})
    points_adjust(client=customer, points=5000, reason="Opening balance", user=manager)
    item = ItemFactory(kind=SERVICE, price=Decimal("100.00"), tax_rate=vat_20)
    ticket = paid_and_closed(customer=customer, item=item, user=manager, points=2000)
    assert ticket_amounts(ticket=ticket).tax == Decimal("16.67")
    # $20 of it paid with points: points payments never reduce it (R10)
    assert client_qualifying_spend(client_id=customer.pk) == Decimal("83.33")
    assert client_tier_box(client_id=customer.pk)["qualifying_spend"] == Decimal("83.33")
    assert client_tier_get(client_id=customer.pk) is None
    rewards = manager_api.get(f"/api/v1/clients/{customer.pk}/rewards/").json()
    assert rewards["qualifying_spend"] == "83.33"
    assert rewards["next_tier"] == {"name": "Bronze", "spend_needed": "6.67"}


def test_r61_r46_tax_exclusive_100_at_20_percent_qualifies_100(
    customer, manager, vat_20, bronze_at_90
):
    """Prices before tax: the $20 of tax added on top never counts; $100 reaches $90."""
    item = ItemFactory(kind=SERVICE, price=Decimal("100.00"), tax_rate=vat_20)
    ticket = paid_and_closed(customer=customer, item=item, user=manager)
    assert ticket_amounts(ticket=ticket).total == Decimal("120.00")
    assert client_qualifying_spend(client_id=customer.pk) == Decimal("100.00")
    assert client_tier_get(client_id=customer.pk) == bronze_at_90
    assert TierChange.objects.get(client=customer).qualifying_spend == Decimal("100.00")


def test_r61_r46_a_post_close_adjustment_counts_on_the_pre_tax_basis(customer, manager, vat_20):
    """Inclusive: the $100 line corrected to $50 after close is $41.67 before its $8.33 tax."""
    salon_settings_update(user=manager, changes={"prices_include_tax": True})
    item = ItemFactory(kind=SERVICE, price=Decimal("100.00"), tax_rate=vat_20)
    ticket = paid_and_closed(customer=customer, item=item, user=manager)
    ticket_update_line(
        line=ticket.lines.get(), user=manager, unit_price=Decimal("50.00"), reason="Price corrected"
    )
    assert client_qualifying_spend(client_id=customer.pk) == Decimal("41.67")


# --- R17 with R61: a merge settles the survivor's tier ----------------------------------------


def test_r17_r61_the_survivor_takes_the_duplicates_higher_tier_with_its_clock(
    manager, silver_and_gold, time_machine
):
    _, gold = silver_and_gold
    survivor, duplicate = ClientFactory(), ClientFactory()
    time_machine.move_to(at(2026, 3, 1), tick=False)
    closed_ticket(customer=duplicate, lines=[(SERVICE, Decimal("2500.00"))])
    time_machine.move_to(at(2026, 6, 1), tick=False)
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    status = ClientTier.objects.get(client=survivor)
    assert (status.tier, status.held_since) == (gold, at(2026, 3, 1))
    assert client_tier_get(client_id=duplicate.pk) is None
    changes = TierChange.objects.filter(kind="manual").order_by("pk")
    assert [
        (c.client_id, c.from_tier, c.to_tier, c.qualifying_spend, c.reason) for c in changes
    ] == [
        (duplicate.pk, "Gold", "", Decimal("0.00"), f"Merged into client #{survivor.pk}"),
        (survivor.pk, "", "Gold", Decimal("2500.00"), f"Merged from client #{duplicate.pk}"),
    ]


def test_r17_r61_the_survivor_keeps_its_own_higher_tier(manager, silver_and_gold):
    _, gold = silver_and_gold
    survivor, duplicate = ClientFactory(), ClientFactory()
    closed_ticket(customer=survivor, lines=[(SERVICE, Decimal("2500.00"))])
    closed_ticket(customer=duplicate, lines=[(SERVICE, Decimal("1000.00"))])
    held_since = ClientTier.objects.get(client=survivor).held_since
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    status = ClientTier.objects.get(client=survivor)
    assert (status.tier, status.held_since) == (gold, held_since)
    assert client_tier_get(client_id=duplicate.pk) is None
    assert not TierChange.objects.filter(client=survivor, kind="manual").exists()


def test_r17_r61_the_merged_spend_moves_the_survivor_up_at_once(manager, silver_and_gold):
    """$1,500 and $1,000, each Silver: merged, $2,500 reaches Gold (an upgrade, audited)."""
    _, gold = silver_and_gold
    survivor, duplicate = ClientFactory(), ClientFactory()
    closed_ticket(customer=survivor, lines=[(SERVICE, Decimal("1500.00"))])
    closed_ticket(customer=duplicate, lines=[(SERVICE, Decimal("1000.00"))])
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert client_qualifying_spend(client_id=survivor.pk) == Decimal("2500.00")
    assert client_tier_get(client_id=survivor.pk) == gold
    upgrade = TierChange.objects.filter(client=survivor).first()
    assert (upgrade.kind, upgrade.from_tier, upgrade.to_tier, upgrade.qualifying_spend) == (
        "upgrade",
        "Silver",
        "Gold",
        Decimal("2500.00"),
    )


def test_r17_a_merge_without_tiers_writes_no_tier_row(manager):
    survivor, duplicate = ClientFactory(), ClientFactory()
    closed_ticket(customer=duplicate, lines=[(SERVICE, Decimal("2500.00"))])
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert not ClientTier.objects.exists()
