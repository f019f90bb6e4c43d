"""Recording and sharing feedback (R37)."""

import pytest
from django.db.models.signals import post_save
from django.utils import timezone

from clients.merge import client_merge
from feedback.models import Feedback, FeedbackSource
from feedback.services import feedback_record, feedback_share
from salon.errors import DomainError, PermissionRefused
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory
from tests.feedback.factories import FeedbackFactory, TicketRowFactory
from tickets.models import TicketStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def saves():
    """Every Feedback post_save, as loyalty's receiver sees them."""
    seen = []

    def listen(sender, instance, created, **kwargs):
        seen.append((created, instance.shared))

    post_save.connect(listen, sender=Feedback, dispatch_uid="tests.feedback.saves")
    yield seen
    post_save.disconnect(sender=Feedback, dispatch_uid="tests.feedback.saves")


def test_feedback_on_a_closed_ticket_is_recorded(customer, closed_ticket, saves):  # R37
    feedback = feedback_record(
        client=customer,
        ticket=closed_ticket,
        rating=4,
        comment=" Lovely ",
        share_permission=True,
        source=FeedbackSource.STAFF_APP,
    )
    feedback.refresh_from_db()
    assert (feedback.client, feedback.ticket, feedback.rating) == (customer, closed_ticket, 4)
    assert (feedback.comment, feedback.share_permission, feedback.shared) == (
        "Lovely",
        True,
        False,
    )
    assert feedback.source == FeedbackSource.STAFF_APP
    assert saves == [(True, False)]


@pytest.mark.parametrize(
    ("field", "case"),
    [
        ("ticket", "open"),
        ("ticket", "voided"),
        ("ticket", "someone-else"),
        ("ticket", "walk-in"),
        ("rating", 0),
        ("rating", 6),
        ("rating", "5"),
        ("rating", True),
        ("source", "carrier-pigeon"),
        ("client", "tombstone"),
    ],
)
def test_bad_feedback_is_refused_and_nothing_is_stored(customer, field, case):  # R37
    ticket = TicketRowFactory(client=customer)
    arguments = {"client": customer, "ticket": ticket, "rating": 5}
    if case == "open":
        arguments["ticket"] = TicketRowFactory(client=customer, status=TicketStatus.OPEN)
    elif case == "voided":
        arguments["ticket"] = TicketRowFactory(
            client=customer, status=TicketStatus.VOIDED, voided_at=timezone.now()
        )
    elif case == "someone-else":
        arguments["ticket"] = TicketRowFactory()
    elif case == "walk-in":
        arguments["ticket"] = TicketRowFactory(client=None)
    elif case == "tombstone":
        tombstone = ClientFactory(merged_into=ClientFactory())
        arguments |= {"client": tombstone, "ticket": TicketRowFactory(client=tombstone)}
    elif field == "rating":
        arguments["rating"] = case
    elif field == "source":
        arguments["source"] = case
    with pytest.raises(DomainError) as refused:
        feedback_record(**arguments)
    assert refused.value.field == field
    if case == "tombstone":
        assert refused.value.code == "client_merged"  # one rule, one code (#12)
    assert Feedback.objects.count() == 0


def test_one_feedback_per_ticket(customer, closed_ticket):  # R37
    feedback_record(client=customer, ticket=closed_ticket, rating=5)
    with pytest.raises(DomainError) as refused:
        feedback_record(client=customer, ticket=closed_ticket, rating=1)
    assert refused.value.field == "ticket"
    assert Feedback.objects.get().rating == 5


def test_manager_shares_feedback_given_with_permission(manager, saves):  # R37
    feedback = FeedbackFactory(share_permission=True)
    saves.clear()
    shared = feedback_share(feedback=feedback, user=manager)
    shared.refresh_from_db()
    assert (shared.shared, shared.shared_by) == (True, manager)
    assert shared.shared_at is not None
    assert saves == [(False, True)]


def test_sharing_twice_is_a_no_op(manager, saves):  # R37, R13
    feedback = FeedbackFactory(share_permission=True)
    first = feedback_share(feedback=feedback, user=manager)
    saves.clear()
    second = feedback_share(feedback=feedback, user=UserFactory(is_superuser=True))
    assert second.shared_at == first.shared_at
    assert second.shared_by == manager
    assert saves == []


def test_front_desk_may_not_share(front_desk):  # R37, §10
    feedback = FeedbackFactory(share_permission=True)
    with pytest.raises(PermissionRefused):
        feedback_share(feedback=feedback, user=front_desk)
    feedback.refresh_from_db()
    assert feedback.shared is False


def test_feedback_without_permission_to_share_cant_be_shared(manager):  # R37
    feedback = FeedbackFactory(share_permission=False)
    with pytest.raises(DomainError) as refused:
        feedback_share(feedback=feedback, user=manager)
    assert refused.value.status_code == 400
    feedback.refresh_from_db()
    assert feedback.shared is False


def test_merge_moves_feedback_to_the_survivor(manager):  # R17
    survivor, duplicate = ClientFactory(), ClientFactory()
    feedback = FeedbackFactory(ticket=TicketRowFactory(client=duplicate))
    client_merge(survivor=survivor, duplicate=duplicate, user=manager)
    feedback.refresh_from_db()
    assert feedback.client_id == survivor.pk
