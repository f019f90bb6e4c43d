"""The Client Log (R28): rewards box and one timeline of tickets, appointments, points and
texts, newest first; bounded queries whatever the history; paging back with `before`."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontdesk.selectors import client_log
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from messaging.models import Direction, Message, MessageStatus
from tests.appointments.factories import AppointmentFactory
from tests.clients.factories import ClientFactory
from tests.frontdesk.factories import history
from tests.loyalty.factories import rule_set
from tests.tickets.factories import closed_ticket, ticket_with_lines
from tickets.lifecycle import ticket_close
from tickets.payments import payment_add

pytestmark = pytest.mark.django_db


def log_url(client_id, query=""):
    return f"/api/v1/clients/{client_id}/log/{query}"


def test_r28_timeline_merges_the_four_sources_newest_first(customer, manager, time_machine):
    time_machine.move_to(timezone.now() - timedelta(days=2), tick=False)
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    ticket = closed_ticket("100.00", client=customer)
    time_machine.shift(timedelta(hours=1))
    Message.objects.create(
        client=customer,
        direction=Direction.OUTBOUND,
        to_number=str(customer.phone),
        body="See you soon",
        status=MessageStatus.SENT,
    )
    time_machine.shift(timedelta(hours=1))
    points_adjust(client=customer, points=50, reason="Birthday", user=manager)
    appointment = AppointmentFactory(client=customer, start=timezone.now() + timedelta(days=5))

    log = client_log(client=customer)

    assert [(event.type, event.id) for event in log.timeline][:2] == [
        ("appointment", appointment.pk),
        ("points", customer.points_entries.get(kind="manual").pk),
    ]
    types = [event.type for event in log.timeline]
    assert types == ["appointment", "points", "message", "points", "ticket"]
    ticket_event = log.timeline[-1]
    assert ticket_event.id == ticket.pk
    assert ticket_event.details["status"] == "closed"
    assert ticket_event.details["total"] == Decimal("100.00")
    assert log.timeline[3].details["points"] == 200
    assert log.rewards.redeemable_points == 50  # the 200 earned are still on hold (R15)
    assert log.rewards.pending_points == 200
    assert log.next_before is None


def test_r28_rewards_box_in_the_log_is_the_loyalty_summary(customer, manager):
    points_adjust(client=customer, points=700, reason="Welcome", user=manager)
    log = client_log(client=customer)
    assert (log.rewards.pending_points, log.rewards.redeemable_points) == (0, 700)
    assert log.rewards.redeemable_value == Decimal("7.00")
    assert log.rewards.can_redeem is True


def test_r28_paging_back_with_before_returns_every_event_once(customer):
    history(customer, 7)
    seen = []
    before = None
    for _ in range(10):
        log = client_log(client=customer, limit=5, before=before)
        seen += [(event.type, event.id) for event in log.timeline]
        before = log.next_before
        if before is None:
            break
    assert len(seen) == 28 == len(set(seen))


def test_r28_a_page_never_splits_one_instant(customer, manager, time_machine):
    """A close and the points it earned share one instant: they land on one page, even
    when that instant holds more events than a page."""
    time_machine.move_to(timezone.now(), tick=False)
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    rule_set(Action.FIRST_VISIT, points=100)
    ticket = ticket_with_lines("100.00", client=customer)
    time_machine.shift(timedelta(minutes=5))
    payment_add(ticket=ticket, method="cash", amount=Decimal("100.00"))
    ticket_close(ticket=ticket)
    time_machine.shift(timedelta(minutes=5))
    points_adjust(client=customer, points=5, reason="Sorry for the wait", user=manager)

    first = client_log(client=customer, limit=2)
    assert [event.details.get("points") for event in first.timeline] == [5]
    second = client_log(client=customer, limit=2, before=first.next_before)
    assert [(event.type, event.details.get("points")) for event in second.timeline] == [
        ("points", 200),
        ("points", 100),
        ("ticket", None),
    ] or sorted(event.type for event in second.timeline) == ["points", "points", "ticket"]
    assert second.timeline[-1].at == second.timeline[0].at
    assert second.next_before is not None
    third = client_log(client=customer, limit=2, before=second.next_before)
    assert third.timeline == []
    assert third.next_before is None


@pytest.mark.parametrize("rows", [10, 200])
def test_r28_client_log_queries_are_constant(customer, rows, django_assert_max_num_queries):
    history(customer, rows)
    with django_assert_max_num_queries(8):
        log = client_log(client=customer)
    assert len(log.timeline) == min(50, 4 * rows)


@pytest.mark.parametrize("rows", [10, 200])
def test_r28_api_queries_are_constant(front_desk_api, customer, rows):
    history(customer, rows)
    with CaptureQueriesContext(connection) as queries:
        response = front_desk_api.get(log_url(customer.pk))
    assert response.status_code == 200
    assert len(response.json()["timeline"]) == min(50, 4 * rows)
    assert len(queries) <= 10, [query["sql"] for query in queries.captured_queries]


def test_r28_api_shape_and_paging(front_desk_api, customer, manager):
    history(customer, 30)
    points_adjust(client=customer, points=600, reason="Welcome", user=manager)
    response = front_desk_api.get(log_url(customer.pk, "?limit=10"))
    body = response.json()
    assert body["client"]["id"] == customer.pk
    assert body["client"]["first_name"] == customer.first_name
    rewards = body["rewards"]
    # 30 earnings of 80, one an hour: the 23 of the last 24 hours still on hold (R15).
    assert (rewards["pending_points"], rewards["redeemable_points"]) == (23 * 80, 600 + 7 * 80)
    assert rewards["redeemable_value"] == "11.60"
    assert body["pending_value"] == "18.40"
    assert len(body["timeline"]) == 10
    first = body["timeline"][0]
    assert first["type"] == "points" and first["points"] == 600 and first["kind"] == "manual"
    tickets = [event for event in body["timeline"] if event["type"] == "ticket"]
    assert tickets[0]["total"] == "40.00" and tickets[0]["status"] == "closed"
    assert body["next_before"]
    assert "before=" in body["next"]
    older = front_desk_api.get(body["next"]).json()
    assert older["timeline"][0]["at"] < body["timeline"][-1]["at"]
    assert not {(e["type"], e["id"]) for e in older["timeline"]} & {
        (e["type"], e["id"]) for e in body["timeline"]
    }


def test_r28_api_refuses_client_users_and_anonymous(client_api, anonymous_api, customer):
    assert client_api.get(log_url(customer.pk)).status_code == 403
    assert anonymous_api.get(log_url(customer.pk)).status_code == 401


def test_r28_api_unknown_client_is_404_and_bad_before_is_400(front_desk_api):
    assert front_desk_api.get(log_url(999999)).status_code == 404
    client = ClientFactory()
    response = front_desk_api.get(log_url(client.pk, "?before=yesterday"))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_query_parameter"
    assert "`before`" in response.json()["detail"]
    assert front_desk_api.get(log_url(client.pk, "?limit=0")).status_code == 400
