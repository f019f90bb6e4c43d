"""Feedback through the API (R37, SPEC §11)."""

import pytest

from feedback.models import Feedback
from tests.clients.factories import ClientFactory
from tests.feedback.factories import FeedbackFactory, TicketRowFactory
from tickets.models import TicketStatus

pytestmark = pytest.mark.django_db


def test_staff_record_feedback(front_desk_api, customer, closed_ticket):  # R37
    response = front_desk_api.post(
        "/api/v1/feedback/",
        {
            "client": customer.pk,
            "ticket": closed_ticket.pk,
            "rating": 5,
            "comment": "Great cut",
            "share_permission": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    feedback = Feedback.objects.get()
    assert response.data | {"created_at": None} == {
        "id": feedback.pk,
        "client": customer.pk,
        "ticket": closed_ticket.pk,
        "rating": 5,
        "comment": "Great cut",
        "source": "front_desk",
        "share_permission": True,
        "shared": False,
        "shared_at": None,
        "created_at": None,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": 6}, "rating"),
        ({"rating": 0}, "rating"),
        ({"rating": None}, "rating"),
        ({"ticket": "open"}, "ticket"),
        ({"ticket": "someone-elses"}, "ticket"),
        ({"ticket": 999999}, "ticket"),
        ({"source": "fax"}, "source"),
    ],
)
def test_bad_feedback_is_a_400(front_desk_api, customer, closed_ticket, body, field):  # R37
    if body.get("ticket") == "open":
        body["ticket"] = TicketRowFactory(client=customer, status=TicketStatus.OPEN).pk
    elif body.get("ticket") == "someone-elses":
        body["ticket"] = TicketRowFactory().pk
    data = {"client": customer.pk, "ticket": closed_ticket.pk, "rating": 4}
    response = front_desk_api.post("/api/v1/feedback/", data | body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert Feedback.objects.count() == 0


def test_second_feedback_for_a_ticket_is_a_400(front_desk_api, customer, closed_ticket):
    data = {"client": customer.pk, "ticket": closed_ticket.pk, "rating": 4}
    assert front_desk_api.post("/api/v1/feedback/", data, format="json").status_code == 201
    response = front_desk_api.post("/api/v1/feedback/", data, format="json")
    assert response.status_code == 400
    assert Feedback.objects.count() == 1


def test_manager_shares_and_gets_200_with_the_object(manager_api):  # R37, §11
    feedback = FeedbackFactory(share_permission=True)
    response = manager_api.post(f"/api/v1/feedback/{feedback.pk}/share/")
    assert response.status_code == 200
    assert response.data["id"] == feedback.pk
    assert response.data["shared"] is True
    assert response.data["shared_at"] is not None
    again = manager_api.post(f"/api/v1/feedback/{feedback.pk}/share/")
    assert (again.status_code, again.data["shared_at"]) == (200, response.data["shared_at"])


def test_front_desk_share_is_403(front_desk_api):  # R37, §10
    feedback = FeedbackFactory(share_permission=True)
    response = front_desk_api.post(f"/api/v1/feedback/{feedback.pk}/share/")
    assert response.status_code == 403
    feedback.refresh_from_db()
    assert feedback.shared is False


def test_share_without_permission_is_400(manager_api):  # R37
    feedback = FeedbackFactory(share_permission=False)
    response = manager_api.post(f"/api/v1/feedback/{feedback.pk}/share/")
    assert response.status_code == 400
    assert "share_permission" in response.data


def test_anonymous_and_client_users_cant_use_staff_feedback(anonymous_api, client_api):
    assert anonymous_api.post("/api/v1/feedback/", {}).status_code == 401
    assert client_api.post("/api/v1/feedback/", {}).status_code == 403


@pytest.mark.parametrize("rows", [2, 12])
def test_list_uses_constant_queries(front_desk_api, django_assert_max_num_queries, rows):
    FeedbackFactory.create_batch(rows)
    with django_assert_max_num_queries(4):
        response = front_desk_api.get("/api/v1/feedback/")
    assert response.data["count"] == rows


def test_client_gives_feedback_on_their_own_ticket(client_api, customer, closed_ticket):  # R37
    response = client_api.post(
        "/api/v1/me/feedback/",
        {"ticket": closed_ticket.pk, "rating": 3, "comment": "ok", "share_permission": True},
        format="json",
    )
    assert response.status_code == 201
    assert (response.data["client"], response.data["source"]) == (customer.pk, "client_app")
    assert client_api.get("/api/v1/me/feedback/").data["count"] == 1


def test_client_feedback_on_someone_elses_ticket_is_404(client_api):  # §11
    other_ticket = TicketRowFactory(client=ClientFactory())
    response = client_api.post(
        "/api/v1/me/feedback/", {"ticket": other_ticket.pk, "rating": 5}, format="json"
    )
    assert response.status_code == 404
    assert Feedback.objects.count() == 0


def test_client_feedback_on_an_open_ticket_is_400(client_api, customer):  # R37
    ticket = TicketRowFactory(client=customer, status=TicketStatus.OPEN)
    response = client_api.post(
        "/api/v1/me/feedback/", {"ticket": ticket.pk, "rating": 5}, format="json"
    )
    assert response.status_code == 400
    assert "ticket" in response.data
