"""R23, R52-R54 on PostgreSQL: a client's lots carry no row locks of their own; every writer
of a lot's remainder holds the client's balance row first (loyalty/ledger.py). Two
redemptions, the expiry run, a close and a void of the same client with many lots race, 20
rounds: none fails on the database (a deadlock, a lock timeout: a 503 over HTTP), and every
lot adds up (points = held + drawn + expired), as do the balances."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from loyalty import ledger
from loyalty.actions import Action
from loyalty.expiry import points_expire_due
from loyalty.models import EntryKind, LoyaltySettings, PointsBalance, PointsEntry, PointsLot
from loyalty.redemption import points_redeem
from loyalty.selectors import loyalty_settings_get
from salon.errors import DomainError
from tests.accounts.factories import FrontDeskFactory, ManagerFactory
from tests.clients.factories import ClientFactory
from tests.concurrency import run_together
from tests.loyalty.factories import rule_set
from tests.tickets.factories import paid_ticket, ticket_with_lines
from tickets.lifecycle import ticket_close, ticket_void

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 20
LIVE_LOTS = 180  # 10 points each, dates shuffled: 1,800 points
DUE_LOTS = 20  # 10 points each, past their date: the expiry run's (and each redemption's)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")


@pytest.fixture
def staff():
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    loyalty_settings_get()
    LoyaltySettings.objects.filter(pk=1).update(hold_hours=0)  # earnings redeemable at once
    return ManagerFactory(), FrontDeskFactory()


def lots_give(customer, manager, *, seed: int) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    days = list(range(30, 30 + LIVE_LOTS))
    random.Random(seed).shuffle(days)
    dates = [today + timedelta(days=day) for day in days] + [today - timedelta(days=1)] * DUE_LOTS
    entries = []
    for number, expires_on in enumerate(dates):
        entry = PointsEntry(
            client=customer,
            points=10,
            kind=EntryKind.MANUAL,
            created_at=now - timedelta(days=100),
            available_at=now - timedelta(days=100),
            created_by=manager,
            memo="test lot",
            idempotency_key=f"test-lot:{customer.pk}:{number}",
            expires_on=expires_on,
        )
        entry.expiry_fixed = True
        entries.append(entry)
    with transaction.atomic():
        ledger.balances_lock([customer.pk])
        ledger.entries_post(entries)


def test_r23_r54_redemptions_expiry_close_and_void_of_one_client_with_many_lots(staff):
    manager, front_desk = staff
    for round_number in range(ROUNDS):
        customer = ClientFactory()
        lots_give(customer, manager, seed=round_number)
        earned = ticket_close(ticket=paid_ticket("100.00", client=customer), user=front_desk)
        to_close = paid_ticket("50.00", client=customer)
        first, second = (ticket_with_lines("100.00", client=customer) for _ in range(2))
        outcomes = run_together(
            lambda ticket=first: points_redeem(ticket=ticket, points=1000, user=front_desk),
            lambda ticket=second: points_redeem(ticket=ticket, points=1000, user=front_desk),
            points_expire_due,
            lambda ticket=to_close: ticket_close(ticket=ticket, user=front_desk),
            lambda ticket=earned: ticket_void(ticket=ticket, user=manager, reason="entered twice"),
        )
        refused_by_the_database = [
            outcome
            for outcome in outcomes
            if isinstance(outcome, Exception) and not isinstance(outcome, DomainError)
        ]
        assert refused_by_the_database == []
        assert not any(isinstance(outcome, Exception) for outcome in outcomes[2:])
        # 1,800 live + 200 due + 200 earned; the due 200 expire, the void takes the 200
        # back, the close earns 100: 1,900 less what the redemptions took. Whatever the
        # order, the first redemption finds 1,000 redeemable points.
        won = sum(not isinstance(outcome, Exception) for outcome in outcomes[:2])
        assert won >= 1
        assert PointsBalance.objects.get(client=customer).total == 1900 - 1000 * won
        due = PointsLot.objects.filter(client=customer, expires_on__lt=timezone.localdate())
        assert list(due.values_list("remaining", flat=True)) == [0] * DUE_LOTS
        assert PointsEntry.objects.filter(client=customer, kind=EntryKind.EXPIRE).count() == (
            DUE_LOTS
        )
        call_command("ledger_check")  # raises on any disagreement


def test_r23_a_redemption_inside_a_callers_transaction_and_the_close_of_its_ticket(staff):
    """An Idempotency-Key (and the admin's form) runs the redemption inside a transaction of
    the caller's, so the expiry step's balance lock is still held when the redemption locks
    the ticket: the ticket must be locked first there too, as a close locks it (ticket, then
    balance), or the two deadlock. 20 rounds: no database error, whatever the order."""
    manager, front_desk = staff
    for round_number in range(ROUNDS):
        customer = ClientFactory()
        lots_give(customer, manager, seed=round_number)
        ticket = paid_ticket("100.00", client=customer)

        def keyed_redemption(ticket=ticket):
            with transaction.atomic():
                return points_redeem(ticket=ticket, points=500, user=front_desk)

        outcomes = run_together(
            keyed_redemption, lambda ticket=ticket: ticket_close(ticket=ticket, user=front_desk)
        )
        refused_by_the_database = [
            outcome
            for outcome in outcomes
            if isinstance(outcome, Exception) and not isinstance(outcome, DomainError)
        ]
        assert refused_by_the_database == []
        # Paid in full by cash, the ticket leaves no room for points (R21): the redemption
        # is refused by rule whichever comes first, and the close succeeds.
        assert isinstance(outcomes[0], DomainError)
        assert not isinstance(outcomes[1], Exception)
        call_command("ledger_check")
