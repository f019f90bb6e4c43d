"""Merging clients moves points (R17); feedback earns outside ticket close (R7, R37)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from catalog.models import ItemKind
from clients.merge import client_merge
from clients.models import Client
from clients.signals import client_merged
from feedback.models import Feedback
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.models import EntryKind, PointsEntry
from loyalty.rewards_box import Balance, client_points_balance
from salon.models import Features
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import closed_ticket, line_set_net, rule_set, ticket_void
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

SERVICE = ItemKind.SERVICE


def balance_of(client, now=None):
    return client_points_balance(client=client, now=now)


def merge(survivor, duplicate, now):
    """What the clients merge service does for loyalty: announce inside its transaction."""
    with transaction.atomic():
        Client.objects.filter(pk=duplicate.pk).update(merged_into=survivor)
        Ticket.objects.filter(client=duplicate).update(client=survivor)
        duplicate.refresh_from_db()
        client_merged.send(
            sender=Client, survivor=survivor, duplicate=duplicate, user=None, now=now
        )


def test_r17_merge_moves_pending_and_redeemable_keeping_available_at(manager):
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    survivor, duplicate = ClientFactory(), ClientFactory()
    now = timezone.now()
    closed_ticket(customer=duplicate, lines=[(SERVICE, Decimal("100.00"))], now=now)
    points_adjust(client=duplicate, points=40, reason="gift", user=manager, now=now)
    points_adjust(client=survivor, points=7, reason="gift", user=manager, now=now)
    merge(survivor, duplicate, now + timedelta(hours=1))
    at = now + timedelta(hours=1)
    assert balance_of(survivor, at) == Balance(pending=100, redeemable=47)
    assert balance_of(duplicate, at) == Balance(0, 0)
    moved_in = PointsEntry.objects.filter(client=survivor, kind=EntryKind.MERGE_IN)
    assert sorted(moved_in.values_list("points", "available_at")) == sorted(
        [(100, now + timedelta(hours=24)), (40, at)]
    )
    # The same words as the tier changes of a merge (tests/loyalty/test_tiers.py)
    assert set(moved_in.values_list("memo", flat=True)) == {f"Merged from client #{duplicate.pk}"}
    moved_out = PointsEntry.objects.filter(client=duplicate, kind=EntryKind.MERGE_OUT)
    assert set(moved_out.values_list("memo", flat=True)) == {f"Merged into client #{survivor.pk}"}
    assert balance_of(survivor, now + timedelta(hours=24)) == Balance(pending=0, redeemable=147)


def test_r17_a_negative_balance_moves_too_and_resending_changes_nothing(manager):
    survivor, duplicate = ClientFactory(), ClientFactory()
    now = timezone.now()
    points_adjust(client=duplicate, points=-300, reason="fraud", user=manager, now=now)
    merge(survivor, duplicate, now)
    client_merged.send(sender=Client, survivor=survivor, duplicate=duplicate, user=None, now=now)
    assert balance_of(survivor) == Balance(pending=0, redeemable=-300)
    assert balance_of(duplicate) == Balance(0, 0)
    assert PointsEntry.objects.filter(kind=EntryKind.MERGE_IN).count() == 1


def test_r17_r15_void_after_merge_takes_back_from_the_survivors_pending_lot(db):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    survivor, duplicate = ClientFactory(), ClientFactory()
    now = timezone.now()
    ticket = closed_ticket(customer=duplicate, lines=[(SERVICE, Decimal("100.00"))], now=now)
    merge(survivor, duplicate, now)
    ticket.refresh_from_db()
    line_set_net(ticket.lines.get(), Decimal("80.00"), now=now)
    assert balance_of(survivor, now) == Balance(pending=160, redeemable=0)
    ticket_void(ticket, now=now)
    assert balance_of(survivor, now) == Balance(0, 0)
    assert balance_of(duplicate, now) == Balance(0, 0)


@pytest.fixture
def closed_for(customer):
    return closed_ticket(customer=customer, lines=[(SERVICE, Decimal("10.00"))])


def test_r37_feedback_earns_once_per_ticket_when_recorded(customer, closed_for):
    rule_set(Action.FEEDBACK, points=25)
    feedback = Feedback.objects.create(client=customer, ticket=closed_for, rating=5)
    feedback.comment = "Lovely"
    feedback.save()
    assert balance_of(customer).pending == 25
    entry = PointsEntry.objects.get()
    assert (entry.action, entry.feedback, entry.ticket) == (Action.FEEDBACK, feedback, closed_for)


def test_r37_shared_feedback_earns_once_when_marked_shared(customer, closed_for):
    rule_set(Action.SHARED_FEEDBACK, points=50)
    feedback = Feedback.objects.create(
        client=customer, ticket=closed_for, rating=5, share_permission=True
    )
    assert balance_of(customer).pending == 0
    feedback.shared = True
    feedback.save()
    feedback.save()
    assert balance_of(customer).pending == 50


def test_r37_feedback_uses_rules_in_force_when_recorded(customer, closed_for):
    rule_set(Action.FEEDBACK, points=25, active=False)
    Feedback.objects.create(client=customer, ticket=closed_for, rating=4)
    assert balance_of(customer).pending == 0


def test_r16_voiding_a_ticket_takes_back_its_feedback_points(customer, closed_for):
    rule_set(Action.FEEDBACK, points=25)
    Feedback.objects.create(client=customer, ticket=closed_for, rating=4)
    ticket_void(closed_for)
    assert balance_of(customer) == Balance(0, 0)


def test_r34_feedback_earns_nothing_with_the_feature_off(customer, closed_for):
    rule_set(Action.FEEDBACK, points=25)
    Features.objects.filter(pk=1).update(rewards_referrals=False)
    Feedback.objects.create(client=customer, ticket=closed_for, rating=4)
    assert balance_of(customer) == Balance(0, 0)


def test_r17_merge_through_the_clients_service_moves_the_points(manager):

    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    survivor, duplicate = ClientFactory(), ClientFactory()
    closed_ticket(customer=duplicate, lines=[(SERVICE, Decimal("30.00"))])
    points_adjust(client=duplicate, points=500, reason="gift", user=manager)
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    assert balance_of(survivor) == Balance(pending=30, redeemable=500)
    assert balance_of(duplicate) == Balance(0, 0)
