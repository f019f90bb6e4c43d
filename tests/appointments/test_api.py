"""Appointments and reservations through the API (SPEC §11, R35, R36)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from appointments.models import Appointment, AppointmentStatus, ProductReservation
from tests.accounts.factories import UserFactory
from tests.appointments.factories import AppointmentFactory, ProductReservationFactory
from tests.clients.factories import ClientFactory
from tests.feedback.factories import TicketRowFactory
from tests.staff.factories import StaffFactory

pytestmark = pytest.mark.django_db

SALON = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=SALON)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_staff_book_an_appointment(front_desk_api, customer, haircut):  # R35, §11
    TicketRowFactory(client=customer)  # checking out right now: a rebook (R12)
    dana = StaffFactory(name="Dana")
    response = front_desk_api.post(
        "/api/v1/appointments/",
        {
            "client": customer.pk,
            "item": haircut.pk,
            "start": "2026-03-24T10:30:00-04:00",
            "staff": dana.pk,
            "duration_minutes": 45,
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    appointment = Appointment.objects.get()
    assert response.data == {
        "id": appointment.pk,
        "client": customer.pk,
        "item": haircut.pk,
        "item_name": "Haircut",
        "start": "2026-03-24T10:30:00-04:00",
        "duration_minutes": 45,
        "staff": dana.pk,
        "staff_name": "Dana",
        "source": "front_desk",
        "status": "booked",
        "prebooked": True,
        "created_at": response.data["created_at"],
        "updated_at": response.data["updated_at"],  # R75
    }


def test_start_without_offset_is_salon_time(front_desk_api, customer, haircut):
    response = front_desk_api.post(
        "/api/v1/appointments/",
        {
            "client": customer.pk,
            "item": haircut.pk,
            "start": "2026-03-11T09:00",
            "source": "online",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.data["start"] == "2026-03-11T09:00:00-04:00"
    assert response.data["source"] == "online"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "2026-03-10T14:00:00-04:00"}, "start"),
        ({"start": "tomorrow"}, "start"),
        ({"item": "product"}, "item"),
        ({"item": 999999}, "item"),
        ({"client": 999999}, "client"),
        ({"client": "tombstone"}, "client"),
        ({"source": "fax"}, "source"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"client": None}, "client"),
    ],
)
def test_bad_booking_is_a_400_naming_the_field(
    front_desk_api, customer, haircut, shampoo, body, field
):  # R35, §11
    data = {"client": customer.pk, "item": haircut.pk, "start": "2026-03-12T10:00:00-04:00"}
    if body.get("item") == "product":
        body["item"] = shampoo.pk
    if body.get("client") == "tombstone":
        body["client"] = ClientFactory(merged_into=customer).pk
    response = front_desk_api.post("/api/v1/appointments/", data | body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert Appointment.objects.count() == 0


def test_confirm_and_cancel_answer_200_with_the_object(front_desk_api):  # §11
    appointment = AppointmentFactory()
    response = front_desk_api.post(f"/api/v1/appointments/{appointment.pk}/confirm/")
    assert (response.status_code, response.data["status"]) == (200, "confirmed")
    response = front_desk_api.post(f"/api/v1/appointments/{appointment.pk}/cancel/")
    assert (response.status_code, response.data["status"]) == (200, "cancelled")
    response = front_desk_api.post(f"/api/v1/appointments/{appointment.pk}/confirm/")
    assert response.status_code == 400
    assert "status" in response.data


def test_check_in_and_no_show(front_desk_api):
    arriving = AppointmentFactory()
    response = front_desk_api.post(f"/api/v1/appointments/{arriving.pk}/check-in/")
    assert response.data["status"] == "arrived"
    missed = AppointmentFactory(start=NOW - timedelta(hours=1))
    response = front_desk_api.post(f"/api/v1/appointments/{missed.pk}/no-show/")
    assert response.data["status"] == "no_show"


def test_list_and_filters(front_desk_api):
    today = AppointmentFactory(start=NOW + timedelta(hours=2))
    AppointmentFactory(start=NOW + timedelta(days=1), status=AppointmentStatus.CONFIRMED)
    response = front_desk_api.get("/api/v1/appointments/", {"date": "2026-03-10"})
    assert [row["id"] for row in response.data["results"]] == [today.pk]
    response = front_desk_api.get("/api/v1/appointments/", {"status": "confirmed"})
    assert response.data["count"] == 1
    response = front_desk_api.get("/api/v1/appointments/", {"client": today.client_id})
    assert response.data["count"] == 1
    response = front_desk_api.get("/api/v1/appointments/", {"date": "not-a-date"})
    assert response.status_code == 400
    response = front_desk_api.get(f"/api/v1/appointments/{today.pk}/")
    assert response.data["id"] == today.pk


@pytest.mark.parametrize("rows", [2, 12])
def test_list_uses_constant_queries(front_desk_api, django_assert_max_num_queries, rows):  # §12
    AppointmentFactory.create_batch(rows)
    with django_assert_max_num_queries(4):
        response = front_desk_api.get("/api/v1/appointments/")
    assert response.data["count"] == rows


def test_anonymous_is_401_and_client_user_is_403(anonymous_api, client_api):  # §10, §11
    assert anonymous_api.get("/api/v1/appointments/").status_code == 401
    assert client_api.get("/api/v1/appointments/").status_code == 403
    assert client_api.post("/api/v1/reservations/", {}).status_code == 403


def test_staff_reserve_a_product(front_desk_api, customer, shampoo):  # R36, §11
    response = front_desk_api.post(
        "/api/v1/reservations/",
        {"client": customer.pk, "item": shampoo.pk, "quantity": 2},
        format="json",
    )
    assert response.status_code == 201
    assert response.data["status"] == "reserved"
    assert response.data["quantity"] == 2
    assert response.data["source"] == "front_desk"
    reservation_id = response.data["id"]
    response = front_desk_api.post(f"/api/v1/reservations/{reservation_id}/cancel/")
    assert (response.status_code, response.data["status"]) == (200, "cancelled")


@pytest.mark.parametrize(
    ("body", "field"),
    [({"quantity": 0}, "quantity"), ({"item": "service"}, "item"), ({"quantity": "x"}, "quantity")],
)
def test_bad_reservation_is_a_400(front_desk_api, customer, shampoo, haircut, body, field):
    data = {"client": customer.pk, "item": shampoo.pk, "quantity": 1}
    if body.get("item") == "service":
        body["item"] = haircut.pk
    response = front_desk_api.post("/api/v1/reservations/", data | body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert ProductReservation.objects.count() == 0


# The client app (/me/)


def test_client_books_online_for_themselves(client_api, customer, haircut):  # §11
    response = client_api.post(
        "/api/v1/me/appointments/",
        {"item": haircut.pk, "start": "2026-03-12T10:00:00-04:00", "source": "front_desk"},
        format="json",
    )
    assert response.status_code == 201
    assert (response.data["client"], response.data["source"]) == (customer.pk, "app")
    listed = client_api.get("/api/v1/me/appointments/")
    assert [row["id"] for row in listed.data["results"]] == [response.data["id"]]


def test_client_booking_for_someone_else_is_a_404(client_api, haircut):  # §11
    other = ClientFactory()
    response = client_api.post(
        "/api/v1/me/appointments/",
        {"client": other.pk, "item": haircut.pk, "start": "2026-03-12T10:00:00-04:00"},
        format="json",
    )
    assert response.status_code == 404
    assert Appointment.objects.count() == 0


def test_client_sees_and_cancels_only_their_own(client_api, customer):  # §11
    mine = AppointmentFactory(client=customer)
    theirs = AppointmentFactory()
    assert client_api.get("/api/v1/me/appointments/").data["count"] == 1
    assert client_api.get(f"/api/v1/me/appointments/{theirs.pk}/").status_code == 404
    assert client_api.post(f"/api/v1/me/appointments/{theirs.pk}/cancel/").status_code == 404
    response = client_api.post(f"/api/v1/me/appointments/{mine.pk}/cancel/")
    assert response.data["status"] == "cancelled"
    theirs.refresh_from_db()
    assert theirs.status == "booked"


def test_client_reserves_a_product(client_api, customer, shampoo):  # R36, §11
    response = client_api.post(
        "/api/v1/me/reservations/", {"item": shampoo.pk, "quantity": 3}, format="json"
    )
    assert response.status_code == 201
    assert (response.data["client"], response.data["source"]) == (customer.pk, "app")
    other = ClientFactory()
    response = client_api.post(
        "/api/v1/me/reservations/", {"client": other.pk, "item": shampoo.pk}, format="json"
    )
    assert response.status_code == 404
    ProductReservationFactory()  # someone else's
    assert client_api.get("/api/v1/me/reservations/").data["count"] == 1


def test_me_endpoints_refuse_staff_and_anonymous(front_desk_api, anonymous_api):  # §10
    assert front_desk_api.get("/api/v1/me/appointments/").status_code == 403
    assert anonymous_api.get("/api/v1/me/appointments/").status_code == 401
    plain = APIClient()
    plain.force_authenticate(UserFactory())
    assert plain.post("/api/v1/me/reservations/", {}).status_code == 403
