"""The ledger: append-only entries (R14), hold (R15), adjustments and voids (R16), R18."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import ItemKind
from loyalty.actions import Action
from loyalty.earning.reconcile import ticket_points_reconcile
from loyalty.models import EntryKind, LedgerIsAppendOnly, PointsBalance, PointsEntry
from loyalty.rewards_box import Balance, client_points_balance
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import (
    closed_ticket,
    line_set_net,
    rule_set,
    ticket_void,
    ticket_with_lines,
)
from tickets.lifecycle import ticket_close, ticket_open
from tickets.lines import ticket_add_line, ticket_remove_line, ticket_update_line
from tickets.models import Ticket
from tickets.payments import payment_add

pytestmark = pytest.mark.django_db

SERVICE = ItemKind.SERVICE


@pytest.fixture
def two_per_dollar(db):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))


def balance_of(client, now=None):
    return client_points_balance(client=client, now=now)


def test_r14_an_entry_refuses_update_and_delete(customer, two_per_dollar):
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    entry = PointsEntry.objects.get()
    entry.points = 1000
    with pytest.raises(LedgerIsAppendOnly):
        entry.save()
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()
    with pytest.raises(LedgerIsAppendOnly):
        PointsEntry.objects.filter(pk=entry.pk).update(points=1)
    with pytest.raises(LedgerIsAppendOnly):
        PointsEntry.objects.all().delete()
    assert PointsEntry.objects.get().points == 20


@pytest.mark.postgres
def test_r14_postgres_trigger_refuses_raw_update_and_delete(customer, two_per_dollar):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    for sql in ("UPDATE loyalty_pointsentry SET points = 1", "DELETE FROM loyalty_pointsentry"):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert PointsEntry.objects.get().points == 20


def test_r13_r14_idempotency_key_is_unique(customer, two_per_dollar):
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])
    entry = PointsEntry.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(
            client=customer,
            points=5,
            kind=EntryKind.MANUAL,
            available_at=timezone.now(),
            idempotency_key=entry.idempotency_key,
        )


def test_r15_100_corrected_to_80_shows_160_pending(customer, two_per_dollar):
    """SPEC R15 worked example: 160 pending, not 200 pending and -40 redeemable."""
    now = timezone.now()
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))], now=now)
    line_set_net(ticket.lines.get(), Decimal("80.00"), now=now + timedelta(hours=1))
    assert balance_of(customer, now + timedelta(hours=1)) == Balance(pending=160, redeemable=0)
    take_back = PointsEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    assert take_back.points == -40
    assert take_back.available_at == now + timedelta(hours=24)  # keeps the earning's
    assert balance_of(customer, now + timedelta(hours=24)) == Balance(pending=0, redeemable=160)


def test_r15_take_back_after_the_hold_is_taken_at_once(customer, two_per_dollar):
    now = timezone.now()
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))], now=now)
    later = now + timedelta(hours=30)
    line_set_net(ticket.lines.get(), Decimal("80.00"), now=later)
    assert balance_of(customer, later) == Balance(pending=0, redeemable=160)


def test_r15_take_back_latest_pending_first_then_the_rest_at_once(customer, two_per_dollar):
    """Two pending lots (close, then an upward adjustment); a big cut empties the latest
    lot first, then the earlier one, and only the remainder is taken at once."""
    now = timezone.now()
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))], now=now)
    line = ticket.lines.get()
    line_set_net(line, Decimal("150.00"), now=now + timedelta(hours=2))  # +100 pending later
    at = now + timedelta(hours=25)  # the first lot (200) is redeemable, the second (100) not
    assert balance_of(customer, at) == Balance(pending=100, redeemable=200)
    line_set_net(line, Decimal("25.00"), now=at)  # should hold 50: take back 250
    assert balance_of(customer, at) == Balance(pending=0, redeemable=50)
    takes = list(
        PointsEntry.objects.filter(points__lt=0)
        .order_by("-available_at")
        .values_list("points", "available_at")
    )
    assert takes == [(-100, now + timedelta(hours=26)), (-150, at)]


def test_r16_positive_adjustment_is_pending_for_the_hold(customer, two_per_dollar):
    now = timezone.now()
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))], now=now)
    at = now + timedelta(hours=30)
    line_set_net(ticket.lines.get(), Decimal("110.00"), now=at)
    assert balance_of(customer, at) == Balance(pending=20, redeemable=200)
    entry = PointsEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    assert entry.available_at == at + timedelta(hours=24)


def test_r16_adjustment_uses_rates_snapshotted_at_close_for_client_and_referrer(referred, referrer):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"), referrer_points=1)
    ticket = closed_ticket(customer=referred, lines=[(SERVICE, Decimal("100.00"))])
    rule_set(Action.SERVICE_PURCHASE, points=9, spend_unit=Decimal("1.00"), referrer_points=9)
    line_set_net(ticket.lines.get(), Decimal("50.00"))
    assert balance_of(referred).total == 100
    assert balance_of(referrer).total == 50
    assert PointsEntry.objects.filter(kind=EntryKind.ADJUSTMENT).count() == 2


def test_r16_void_of_a_closed_ticket_reverses_everything_it_earned(referred, referrer):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"), referrer_points=1)
    rule_set(Action.FIRST_VISIT, points=100)
    rule_set(Action.CLIENT_REFERRAL, points=500)
    now = timezone.now()
    ticket = closed_ticket(customer=referred, lines=[(SERVICE, Decimal("100.00"))], now=now)
    assert balance_of(referred, now).pending == 300
    assert balance_of(referrer, now).pending == 600
    ticket_void(ticket, now=now + timedelta(hours=1))
    assert balance_of(referred, now) == Balance(0, 0)
    assert balance_of(referrer, now) == Balance(0, 0)
    ticket_points_reconcile(ticket=ticket)  # R13: a re-send changes nothing
    assert PointsEntry.objects.filter(points__lt=0).count() == 4


def test_r18_balance_row_total_moves_with_every_entry(customer, two_per_dollar):
    ticket = closed_ticket(customer=customer, lines=[(SERVICE, Decimal("100.00"))])
    assert PointsBalance.objects.get(client=customer).total == 200
    line_set_net(ticket.lines.get(), Decimal("80.00"))
    assert PointsBalance.objects.get(client=customer).total == 160


def test_r18_balance_read_is_one_query_whatever_the_history(
    customer, two_per_dollar, django_assert_num_queries
):
    for _ in range(2):
        closed_ticket(customer=customer, lines=[(SERVICE, Decimal("1.00"))])
    with django_assert_num_queries(1):
        small = balance_of(customer)
    for _ in range(20):
        closed_ticket(customer=customer, lines=[(SERVICE, Decimal("1.00"))])
    with django_assert_num_queries(1):
        large = balance_of(customer)
    assert (small.pending, large.pending) == (4, 44)


def test_reconcile_on_close_query_count_is_the_same_for_1_and_20_lines(customer, two_per_dollar):
    """SPEC §12: ticket close uses a constant number of queries whatever the lines."""
    rule_set(Action.PRODUCT_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    closed_ticket(customer=customer, lines=[(SERVICE, Decimal("1.00"))])  # the balance row exists
    counts = []
    for size in (1, 20):
        ticket = ticket_with_lines(
            customer=customer,
            lines=[(SERVICE, Decimal("3.00"))] * size + [(ItemKind.PRODUCT, Decimal("2.00"))],
        )
        Ticket.objects.filter(pk=ticket.pk).update(status="closed", closed_at=timezone.now())
        with CaptureQueriesContext(connection) as captured:
            ticket_points_reconcile(ticket=ticket)
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 25
    assert balance_of(customer).pending == 2 + (6 + 2) + (120 + 2)


def test_ticket_close_with_points_uses_the_same_queries_for_1_and_20_lines(db):
    """SPEC §12 end to end: tickets' close and loyalty's reconcile together."""

    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"), referrer_points=1)
    rule_set(Action.FIRST_VISIT, points=10)
    item = ItemFactory(kind=SERVICE, price=Decimal("10.00"))
    counts = []
    for size in (1, 20):
        customer = ClientFactory(referred_by=ClientFactory())
        ticket = ticket_open(client=customer)
        for _ in range(size):
            ticket_add_line(ticket=ticket, item=item)
        payment_add(ticket=ticket, method="cash", amount=Decimal("10.00") * size)
        with CaptureQueriesContext(connection) as captured:
            ticket_close(ticket=ticket)
        counts.append(len(captured))
        assert balance_of(customer).pending == 20 * size + 10
    assert counts[0] == counts[1]


def test_r15_r16_100_corrected_to_80_through_the_tickets_services(
    customer, manager, two_per_dollar
):
    """SPEC worked example end to end: close $100, a Manager corrects it to $80 → 160 pending."""

    ticket = ticket_open(client=customer)
    line = ticket_add_line(ticket=ticket, item=ItemFactory(price=Decimal("100.00")))
    payment_add(ticket=ticket, method="card", amount=Decimal("100.00"))
    ticket_close(ticket=ticket)
    ticket_update_line(line=line, user=manager, unit_price=Decimal("80.00"), reason="Wrong price")
    assert balance_of(customer) == Balance(pending=160, redeemable=0)
    ticket_remove_line(line=line, user=manager, reason="Not done")
    assert balance_of(customer) == Balance(pending=0, redeemable=0)
