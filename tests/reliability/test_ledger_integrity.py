"""Facts of one row are held by the database, whatever writes the row (R14, R15, R16, R21,
R22, R30): a bulk insert skips every Python check, so only a CHECK constraint can refuse it.
(The PostgreSQL trigger refusing raw UPDATE and DELETE on the ledger is
tests/loyalty/test_ledger.py::test_r14_postgres_trigger_refuses_raw_update_and_delete.)"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from loyalty.models import EntryKind, PointsEntry
from tests.tickets.factories import TicketFactory
from tickets.models import Payment, Ticket, TicketStatus

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def entry(customer, *, kind, points, available_at=NOW, key="k"):
    return PointsEntry(
        client=customer,
        kind=kind,
        points=points,
        created_at=NOW,
        available_at=available_at,
        idempotency_key=key,
    )


def refused(build, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        build()


@pytest.mark.parametrize(
    ("kind", "points", "constraint"),
    [
        (EntryKind.EARN, -5, "points_entry_earning_and_give_back_positive"),
        (EntryKind.REFERRAL_EARN, -5, "points_entry_earning_and_give_back_positive"),
        (EntryKind.REDEEM_REVERSAL, -5, "points_entry_earning_and_give_back_positive"),
        (EntryKind.REDEEM, 5, "points_entry_redeem_negative"),
        (EntryKind.MANUAL, 0, "points_entry_not_zero"),
    ],
)
def test_an_entry_whose_sign_contradicts_its_kind_is_refused(customer, kind, points, constraint):
    refused(
        lambda: PointsEntry.objects.bulk_create([entry(customer, kind=kind, points=points)]),
        constraint,
    )
    assert PointsEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("kind", "points"),
    [
        (EntryKind.EARN, 5),
        (EntryKind.REDEEM, -5),
        (EntryKind.REDEEM_REVERSAL, 5),
        (EntryKind.ADJUSTMENT, -5),
        (EntryKind.MERGE_IN, -5),
        (EntryKind.MERGE_OUT, 5),
        (EntryKind.MANUAL, -5),
    ],
)
def test_entries_of_the_right_sign_are_taken(customer, kind, points):
    PointsEntry.objects.bulk_create([entry(customer, kind=kind, points=points)])
    assert PointsEntry.objects.get().points == points


def test_an_entry_available_before_it_was_posted_is_refused(customer):  # R15
    early = NOW - timedelta(seconds=1)
    refused(
        lambda: PointsEntry.objects.bulk_create(
            [entry(customer, kind=EntryKind.EARN, points=5, available_at=early)]
        ),
        "points_entry_available_not_before_created",
    )


def test_a_zero_payment_and_a_points_refund_are_refused(customer):  # R16, R21, R30
    ticket = TicketFactory(client=customer)
    refused(
        lambda: Payment.objects.create(ticket=ticket, method="cash", amount=Decimal("0.00")),
        "payment_amount_not_zero",
    )
    refused(
        lambda: Payment.objects.create(
            ticket=ticket, method="points", amount=Decimal("-1.00"), points=100
        ),
        "payment_points_amount_positive",
    )
    Payment.objects.create(ticket=ticket, method="cash", amount=Decimal("-5.00"))  # a refund


def test_ticket_status_and_its_stamps_agree(customer):  # R30, R31
    refused(
        lambda: Ticket.objects.create(client=customer, status=TicketStatus.VOIDED),
        "voided_ticket_has_voided_at",
    )
    refused(
        lambda: Ticket.objects.create(client=customer, closed_at=NOW),
        "open_ticket_not_closed_or_voided",
    )
    assert Ticket.objects.count() == 0
