"""Feedback admin: recorded through the service, shared by Managers only (R37)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from feedback.models import Feedback
from tests.feedback.factories import FeedbackFactory, TicketRowFactory
from tickets.models import TicketStatus

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:feedback_feedback_changelist"


def signed_in(client, user):
    client.force_login(user)
    return client


def test_front_desk_records_feedback_through_the_service(client, front_desk, customer):
    browser = signed_in(client, front_desk)
    closed = TicketRowFactory(client=customer)
    open_ticket = TicketRowFactory(client=customer, status=TicketStatus.OPEN)
    url = reverse("admin:feedback_feedback_add")
    data = {"client": customer.pk, "rating": 4, "comment": "Nice", "source": "front_desk"}
    refused = browser.post(url, data | {"ticket": open_ticket.pk})
    assert refused.status_code == 200
    assert "ticket" in refused.context["adminform"].form.errors
    assert browser.post(url, data | {"ticket": closed.pk}).status_code == 302
    assert Feedback.objects.get().ticket == closed


def test_manager_marks_feedback_as_shared(client, manager):  # R37
    browser = signed_in(client, manager)
    allowed = FeedbackFactory(share_permission=True)
    private = FeedbackFactory(share_permission=False)
    response = browser.post(
        reverse(CHANGELIST),
        {"action": "mark_shared", ACTION_CHECKBOX_NAME: [allowed.pk, private.pk]},
        follow=True,
    )
    allowed.refresh_from_db()
    private.refresh_from_db()
    assert (allowed.shared, allowed.shared_by) == (True, manager)
    assert private.shared is False
    shown = [str(message) for message in response.context["messages"]]
    assert "1 marked as shared." in shown


def test_front_desk_has_no_share_action(client, front_desk):  # R37, §10
    browser = signed_in(client, front_desk)
    feedback = FeedbackFactory(share_permission=True)
    response = browser.get(reverse(CHANGELIST))
    assert "mark_shared" not in response.content.decode()
    browser.post(
        reverse(CHANGELIST), {"action": "mark_shared", ACTION_CHECKBOX_NAME: [feedback.pk]}
    )
    feedback.refresh_from_db()
    assert feedback.shared is False


@pytest.mark.parametrize("rows", [2, 15])
def test_changelist_queries_are_constant(client, manager, django_assert_max_num_queries, rows):
    browser = signed_in(client, manager)
    FeedbackFactory.create_batch(rows)
    with django_assert_max_num_queries(12):
        assert browser.get(reverse(CHANGELIST)).status_code == 200
