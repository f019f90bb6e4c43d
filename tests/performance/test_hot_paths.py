"""The hot paths that `make bench` measures run a constant number of queries, whatever the
client's history (R18, SPEC §12). The bench itself is a command, not a test: these pin the
query counts that its fixes bought (docs/performance.md)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import ItemKind
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.models import ClientTier, PointsEntry, Promotion, Tier
from loyalty.redemption import points_redeem
from loyalty.rewards_box import client_points_balance, client_rewards_summary
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import closed_ticket, rule_set, ticket_with_lines
from tickets.lifecycle import ticket_close
from tickets.models import Payment

SERVICE = ItemKind.SERVICE
# Was 34, then 25 (docs/performance.md, P3): now lock, conditional UPDATE, the ledger state
# read and the ledger write, which SQLite runs as three statements (snapshot, balances,
# entries); plus the savepoint and its release inside a test's transaction.
# SQLite writes the lots the close starts (R51) in a statement of their own; PostgreSQL in
# the entries' statement.
# One more since issue 18's P1 fix: the upsert adding the ticket to the client's stored
# qualifying spend of the day (tickets/spend.py, R61).
CLOSE_QUERIES = {"postgresql": 7, "sqlite": 10}
# With a tier and a promotion on (R61, R62, issue 18), 5 more: the running promotions, their
# tiers and the client's uses of them (R62), then the upgrade check (R61): the settings row,
# and the tiers with the one held and the client's qualifying spend (was 4 queries).
CLOSE_WITH_TIER_AND_PROMOTION_QUERIES = {
    vendor: count + 5 for vendor, count in CLOSE_QUERIES.items()
}
# The claim's INSERT … ON CONFLICT DO NOTHING (no savepoint; on PostgreSQL outside a test's
# transaction it also switches synchronous_commit off within the same statement) and the
# stored answer's UPDATE, on both databases. No SAVEPOINT / RELEASE: the adjustment's own
# transaction joins the key's without one (was + 4 with them; P6, docs/performance.md).
IDEMPOTENCY_EXTRA_QUERIES = 2


@pytest.fixture
def rules(all_features):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"), referrer_points=1)
    rule_set(Action.FIRST_VISIT, points=100)
    rule_set(Action.CLIENT_REFERRAL, points=50)


@pytest.fixture
def referred(db):
    return ClientFactory(referred_by=ClientFactory())


def grow_history(customer, *, tickets: int) -> None:
    for _ in range(tickets):
        closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])


def queries_of(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def paid_ticket(customer, *, lines: int):
    ticket = ticket_with_lines(customer=customer, lines=[(SERVICE, Decimal("20.00"))] * lines)
    Payment.objects.create(ticket=ticket, method="cash", amount=Decimal("20.00") * lines)
    return ticket


def test_r18_balance_read_is_one_query_at_any_history(rules, customer):
    counts = []
    for tickets in (1, 15):
        grow_history(customer, tickets=tickets)
        counts.append(queries_of(lambda: client_points_balance(client=customer)))
    assert counts == [1, 1]
    # 16 tickets of $10 at 2 points per $1, and the first visit's 100: all still on hold.
    assert client_points_balance(client=customer).pending == 16 * 20 + 100


def test_rewards_box_is_one_query_at_any_history(rules, customer):
    counts = []
    for tickets in (1, 15):
        grow_history(customer, tickets=tickets)
        counts.append(queries_of(lambda: client_rewards_summary(client=customer)))
    assert counts == [1, 1]


def test_rewards_endpoint_is_one_query_at_any_history(rules, customer, front_desk_api):
    """GET /clients/{id}/rewards/ (P1): the rewards box read by client id, nothing else;
    authentication (forced here) adds the token lookup."""
    counts = []
    for tickets in (1, 15):
        grow_history(customer, tickets=tickets)
        with CaptureQueriesContext(connection) as captured:
            response = front_desk_api.get(f"/api/v1/clients/{customer.pk}/rewards/")
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts == [1, 1]
    assert response.json()["pending_points"] == 16 * 20 + 100


def test_close_with_referrer_runs_the_same_queries_at_any_history(rules, referred):
    """P3: closing a 5-line ticket of a referred client, accrual included. The first close
    on a connection prepares its statements in the same queries (salon/db.py)."""
    counts = []
    for tickets in (1, 15):
        grow_history(referred, tickets=tickets)
        ticket = paid_ticket(referred, lines=5)
        counts.append(queries_of(lambda ticket=ticket: ticket_close(ticket=ticket)))
    assert counts == [CLOSE_QUERIES[connection.vendor]] * 2
    # The referrer: 1 point per $1 of 16 $10 tickets and of 2 $100 ones, and the referral.
    assert client_points_balance(client=referred.referred_by).pending == 16 * 10 + 2 * 100 + 50


def test_close_with_a_tier_and_a_promotion_runs_the_same_queries_at_any_history(rules, referred):
    """Issue 18: the close with a tier held and a promotion running (limited per client, for
    a tier) keeps a constant statement count, whatever the history (bench P3's setting)."""
    gold = Tier.objects.create(
        name="Gold", min_spend=Decimal("500.00"), keep_spend=Decimal("250.00"),
        multiplier=Decimal("1.25"),
    )  # fmt: skip
    ClientTier.objects.create(client=referred, tier=gold, held_since=timezone.now())
    today = timezone.localdate()
    promotion = Promotion.objects.create(
        name="Double",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=1),
        actions=["service_purchase"],
        multiplier=Decimal("2.00"),
        max_per_client=100,
    )
    promotion.tiers.set([gold])
    counts = []
    for tickets in (1, 15):
        grow_history(referred, tickets=tickets)
        ticket = paid_ticket(referred, lines=5)
        counts.append(queries_of(lambda ticket=ticket: ticket_close(ticket=ticket)))
    assert counts == [CLOSE_WITH_TIER_AND_PROMOTION_QUERIES[connection.vendor]] * 2
    # $100 at 2 points per $1, x 1.25 for Gold, x 2 for the promotion.
    assert PointsEntry.objects.get(ticket=ticket, beneficiary="client").points == 500


def test_rewards_endpoint_with_tiers_is_one_query_at_any_history(rules, customer, front_desk_api):
    """P1 with a tier (issue 18): the rewards box's row joined to the tiers with the one held
    and the qualifying spend, one prepared statement (loyalty/sql/rewards.py and standing.py,
    no ORM query to build: docs/performance.md, "P1, third pass" and "fifth pass");
    authentication (forced here) adds the token."""
    gold = Tier.objects.create(
        name="Gold", min_spend=Decimal("50.00"), keep_spend=Decimal("25.00"),
        multiplier=Decimal("1.25"),
    )  # fmt: skip
    Tier.objects.create(name="Platinum", min_spend=Decimal("500.00"), keep_spend=Decimal("250.00"))
    ClientTier.objects.create(client=customer, tier=gold, held_since=timezone.now())
    counts = []
    for tickets in (1, 15):
        grow_history(customer, tickets=tickets)
        with CaptureQueriesContext(connection) as captured:
            response = front_desk_api.get(f"/api/v1/clients/{customer.pk}/rewards/")
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts == [1, 1]
    box = response.json()
    assert (box["tier"]["name"], box["qualifying_spend"]) == ("Gold", "160.00")
    assert box["next_tier"] == {"name": "Platinum", "spend_needed": "340.00"}


def test_redemption_runs_the_same_queries_at_any_history(rules, customer, manager):
    """P4's operation: a redemption locks and reads the balance in constant queries."""
    points_adjust(client=customer, points=5000, reason="setup", user=manager)
    counts = []
    for tickets in (1, 15):
        grow_history(customer, tickets=tickets)
        ticket = ticket_with_lines(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
        counts.append(
            queries_of(lambda ticket=ticket: points_redeem(ticket=ticket, points=500, user=manager))
        )
    assert counts[0] == counts[1]
    assert client_points_balance(client=customer).redeemable == 4000


@pytest.mark.django_db(transaction=True)
def test_idempotency_key_adds_a_constant_few_queries(manager_api, customer):
    """P6: the key costs its claim (one INSERT, committed without waiting for the disk on
    PostgreSQL) and the stored answer (one UPDATE): plain POST + 2 queries.

    Outside a test's transaction, as in production: inside one, the key's transaction would
    be a savepoint, two statements that stand for a BEGIN and COMMIT the plain POST issues
    too (neither is counted). One POST first, so both counts have the permissions cached."""
    body = {"client": customer.pk, "points": 5, "reason": "bench"}
    manager_api.post("/api/v1/loyalty/adjustments/", body, format="json")
    counts = {}
    for with_key in (False, True):
        headers = {"HTTP_IDEMPOTENCY_KEY": "p6-key"} if with_key else {}
        with CaptureQueriesContext(connection) as captured:
            response = manager_api.post(
                "/api/v1/loyalty/adjustments/", body, format="json", **headers
            )
        assert response.status_code == 201
        counts[with_key] = len(captured)
        assert not [query for query in captured if "SAVEPOINT" in query["sql"]]
    assert counts[True] == counts[False] + IDEMPOTENCY_EXTRA_QUERIES


@pytest.mark.parametrize("client_id", ["987654", str(2**63), "99999999999999999999999"])
def test_rewards_endpoint_answers_404_for_an_unknown_client(front_desk_api, client_id):
    response = front_desk_api.get(f"/api/v1/clients/{client_id}/rewards/")
    assert response.status_code == 404
