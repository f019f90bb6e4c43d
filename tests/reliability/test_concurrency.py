"""Races on PostgreSQL, each run for many rounds with threads released by a barrier, the
ledger checked after every round with `ledger_check`'s selector (R13, R17, R18, R21-R23,
R27, R31). Row locks are PostgreSQL's: SQLite serialises writers and can't show a race.

The two-ticket double redemption is tests/loyalty/test_concurrency.py (20 rounds); the
single-round versions of the close and merge races live beside their apps.
"""

from decimal import Decimal

import pytest

from clients.merge import client_merge
from clients.models import Client
from clients.uploads import client_file_upload
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.models import EntryKind, PointsEntry
from loyalty.redemption import points_redeem
from loyalty.rewards_box import Balance, client_points_balance
from loyalty.selectors import ledger_disagreements
from salon.errors import DomainError
from tests.accounts.factories import FrontDeskFactory, ManagerFactory
from tests.clients.factories import ClientFactory, upload
from tests.concurrency import run_together
from tests.loyalty.factories import rule_set
from tests.tickets.factories import paid_ticket, ticket_with_lines
from tickets.lifecycle import ticket_close
from tickets.models import Payment, TicketStatus
from tickets.payments import payment_add

from .conftest import errors_in

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres_only"),
]

ROUNDS = 25
UPLOAD_ROUNDS = 10  # each round writes 20 files
UPLOADERS = 4


@pytest.fixture
def two_per_dollar():
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))


def test_a_ticket_closed_twice_at_once_earns_once(two_per_dollar):  # R13, R31
    for _ in range(ROUNDS):
        ticket = paid_ticket("100.00")
        outcomes = run_together(*[lambda ticket=ticket: ticket_close(ticket=ticket)] * 2)
        assert errors_in(outcomes) == []
        assert [outcome.status for outcome in outcomes] == [TicketStatus.CLOSED] * 2
        earned = PointsEntry.objects.filter(ticket=ticket, kind=EntryKind.EARN)
        assert list(earned.values_list("points", flat=True)) == [200]
        assert client_points_balance(client=ticket.client) == Balance(pending=200, redeemable=0)
        assert ledger_disagreements() == []


def test_opposite_merges_at_once_one_wins_without_deadlock():  # R17
    manager = ManagerFactory()
    for _ in range(ROUNDS):
        first, second = ClientFactory(), ClientFactory()
        points_adjust(client=first, points=300, reason="welcome", user=manager)
        points_adjust(client=second, points=500, reason="welcome", user=manager)
        outcomes = run_together(
            lambda first=first, second=second: client_merge(
                survivor=first, duplicate=second, user=manager
            ),
            lambda first=first, second=second: client_merge(
                survivor=second, duplicate=first, user=manager
            ),
        )
        errors = errors_in(outcomes)
        # A deadlock would surface as a database error; the loser gets the clear refusal.
        assert len(errors) == 1
        assert isinstance(errors[0], DomainError)
        [survivor] = [outcome for outcome in outcomes if isinstance(outcome, Client)]
        duplicate = Client.objects.get(pk=({first.pk, second.pk} - {survivor.pk}).pop())
        assert duplicate.merged_into_id == survivor.pk
        assert client_points_balance(client=survivor) == Balance(pending=0, redeemable=800)
        assert client_points_balance(client=duplicate) == Balance(pending=0, redeemable=0)
        assert ledger_disagreements() == []


def test_uploads_racing_for_the_last_places_never_make_a_21st_file(settings):  # R27
    from salon.models import Features

    Features.objects.update_or_create(pk=1, defaults={"profile_photos": True})
    limit = settings.CLIENT_UPLOAD_MAX_FILES
    free_places = 2
    for _ in range(UPLOAD_ROUNDS):
        customer = ClientFactory()
        for _ in range(limit - free_places):
            client_file_upload(client=customer, uploaded_file=upload())
        outcomes = run_together(
            *[
                lambda number=number, customer=customer: client_file_upload(
                    client=customer, uploaded_file=upload(f"race-{number}.png")
                )
                for number in range(UPLOADERS)
            ]
        )
        errors = errors_in(outcomes)
        assert len(errors) == UPLOADERS - free_places
        assert all(isinstance(error, DomainError) for error in errors)
        assert customer.files.count() == limit


def test_a_redemption_racing_the_close_of_its_ticket(two_per_dollar):  # R21, R22, R31
    """$100 ticket, $95 paid in cash, 500 points redeemed while the front desk presses
    close. The redemption always lands; the close lands only if it saw the redemption
    (payments then equal the total); never a closed ticket with a balance due."""
    manager, front_desk = ManagerFactory(), FrontDeskFactory()
    for _ in range(ROUNDS):
        ticket = ticket_with_lines("100.00")
        payment_add(ticket=ticket, method="cash", amount=Decimal("95.00"))
        points_adjust(client=ticket.client, points=800, reason="welcome", user=manager)
        redeem, close = run_together(
            lambda ticket=ticket: points_redeem(ticket=ticket, points=500, user=front_desk),
            lambda ticket=ticket: ticket_close(ticket=ticket, user=front_desk),
        )
        assert isinstance(redeem, Payment)
        ticket.refresh_from_db()
        balance = client_points_balance(client=ticket.client)
        if isinstance(close, DomainError):
            assert ticket.status == TicketStatus.OPEN
            assert balance == Balance(pending=0, redeemable=300)
        else:
            assert close.pk == ticket.pk
            assert ticket.status == TicketStatus.CLOSED
            assert balance == Balance(pending=200, redeemable=300)
        assert PointsEntry.objects.filter(ticket=ticket, kind=EntryKind.REDEEM).count() == 1
        assert ledger_disagreements() == []


def test_two_redemptions_on_one_ticket_never_pass_its_total():  # R21, R23
    manager, front_desk = ManagerFactory(), FrontDeskFactory()
    for _ in range(ROUNDS):
        ticket = ticket_with_lines("100.00")
        points_adjust(client=ticket.client, points=20000, reason="welcome", user=manager)
        outcomes = run_together(
            *[lambda ticket=ticket: points_redeem(ticket=ticket, points=6000, user=front_desk)] * 2
        )
        assert len(errors_in(outcomes)) == 1
        assert PointsEntry.objects.filter(ticket=ticket, kind=EntryKind.REDEEM).count() == 1
        assert client_points_balance(client=ticket.client).redeemable == 14000
        assert ledger_disagreements() == []
