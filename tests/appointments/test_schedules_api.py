"""R42 through the API: availability, double booking, listed starts for the app,
rescheduling (PATCH), with SPEC §10 permissions. NOW is Tuesday 10 March 2026, 15:00
in the salon (America/New_York, UTC-4 after 8 March)."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from appointments.models import Appointment, AppointmentStatus
from appointments.scheduling import availability
from catalog.models import ItemKind
from salon.errors import DomainError
from staff.services import Range, staff_hours_set
from tests.appointments.factories import AppointmentFactory
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.staff.factories import StaffFactory

pytestmark = pytest.mark.django_db

SALON = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=SALON)
AVAILABILITY = "/api/v1/availability/"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def haircut(db):
    return ItemFactory(name="Haircut", kind=ItemKind.SERVICE, duration_minutes=45)


@pytest.fixture
def sam(db):
    sam = StaffFactory(name="Sam")
    staff_hours_set(staff=sam, ranges=[Range(2, time(9), time(10))])  # Wednesdays 9-10
    return sam


@pytest.fixture
def rita(db):
    rita = StaffFactory(name="Rita")
    staff_hours_set(staff=rita, ranges=[Range(2, time(9, 30), time(10, 30))])
    return rita


def test_availability_for_staff_and_client_app_users(
    front_desk_api, client_api, anonymous_api, haircut, sam, rita
):  # R42, §10
    expected = [
        {"start": "2026-03-11T09:00:00-04:00", "staff": sam.pk, "staff_name": "Sam"},
        {"start": "2026-03-11T09:15:00-04:00", "staff": sam.pk, "staff_name": "Sam"},
        {"start": "2026-03-11T09:30:00-04:00", "staff": rita.pk, "staff_name": "Rita"},
        {"start": "2026-03-11T09:45:00-04:00", "staff": rita.pk, "staff_name": "Rita"},
    ]
    query = {"item": haircut.pk, "date": "2026-03-11"}
    assert front_desk_api.get(AVAILABILITY, query).json() == expected
    assert client_api.get(AVAILABILITY, query).json() == expected
    assert client_api.get(AVAILABILITY, query | {"staff": rita.pk}).json() == expected[2:]
    assert anonymous_api.get(AVAILABILITY, query).status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        {"date": "2026-03-11"},
        {"item": "x", "date": "2026-03-11"},
        {"item": 999999, "date": "2026-03-11"},
        {"item": "HAIRCUT", "date": "11/03/2026"},
        {"item": "HAIRCUT"},
    ],
)
def test_availability_bad_query_is_400(front_desk_api, haircut, query):  # R42, R32
    if query.get("item") == "HAIRCUT":
        query = query | {"item": haircut.pk}
    assert front_desk_api.get(AVAILABILITY, query).status_code == 400


def test_availability_of_a_product_is_400(front_desk_api):  # R42
    shampoo = ItemFactory(kind=ItemKind.PRODUCT)
    response = front_desk_api.get(AVAILABILITY, {"item": shampoo.pk, "date": "2026-03-11"})
    assert response.status_code == 400
    assert "item" in response.json()


@pytest.mark.parametrize(
    ("kind", "active", "code"),
    [(ItemKind.PRODUCT, True, "wrong_item_kind"), (ItemKind.SERVICE, False, "item_inactive")],
)
def test_availability_takes_an_offered_service_as_a_booking_does(kind, active, code):  # R42
    item = ItemFactory(kind=kind, active=active)
    with pytest.raises(DomainError) as refused:
        availability(item=item, day=datetime(2026, 3, 11).date())
    assert (refused.value.code, refused.value.field) == (code, "item")


def test_double_booking_is_400_with_code_then_allowed_on_purpose(
    front_desk_api, haircut, sam
):  # R42
    AppointmentFactory(
        client=ClientFactory(first_name="Ann", last_name="Lee"),
        item=haircut,
        staff=sam,
        start=datetime(2026, 3, 11, 9, tzinfo=SALON),
        duration_minutes=45,
    )
    body = {
        "client": ClientFactory().pk,
        "item": haircut.pk,
        "start": "2026-03-11T09:30:00-04:00",
        "staff": sam.pk,
    }
    response = front_desk_api.post("/api/v1/appointments/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "staff_double_booked"
    assert "Ann Lee's Haircut on Wed Mar 11 at 9:00 AM" in response.json()["detail"]
    assert Appointment.objects.count() == 1
    response = front_desk_api.post(
        "/api/v1/appointments/", body | {"allow_overlap": True}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["staff"], response.json()["duration_minutes"]) == (sam.pk, 45)


def test_inactive_staff_is_400_staff_inactive(front_desk_api, haircut):  # R42
    gone = StaffFactory(name="Gone", active=False)
    response = front_desk_api.post(
        "/api/v1/appointments/",
        {
            "client": ClientFactory().pk,
            "item": haircut.pk,
            "start": "2026-03-11T09:30:00-04:00",
            "staff": gone.pk,
        },
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "staff_inactive")
    assert Appointment.objects.count() == 0


def test_app_booking_must_take_a_listed_start(client_api, customer, haircut, sam, rita):  # R42
    url = "/api/v1/me/appointments/"
    refused = client_api.post(
        url, {"item": haircut.pk, "start": "2026-03-11T09:05:00-04:00"}, format="json"
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "slot_unavailable")
    booked = client_api.post(
        url, {"item": haircut.pk, "start": "2026-03-11T09:30:00-04:00"}, format="json"
    )
    assert booked.status_code == 201, booked.json()
    assert (booked.json()["staff_name"], booked.json()["source"]) == ("Rita", "app")
    refused = client_api.post(
        url,
        {"item": haircut.pk, "start": "2026-03-11T09:00:00-04:00", "staff": rita.pk},
        format="json",
    )
    assert refused.json()["code"] == "slot_unavailable"
    assert Appointment.objects.filter(client=customer).count() == 1


def test_reschedule_by_patch(front_desk_api, haircut, sam, rita):  # R42
    appointment = AppointmentFactory(
        item=haircut,
        staff=sam,
        start=datetime(2026, 3, 11, 9, tzinfo=SALON),
        duration_minutes=45,
        status=AppointmentStatus.CONFIRMED,
    )
    url = f"/api/v1/appointments/{appointment.pk}/"
    response = front_desk_api.patch(
        url, {"start": "2026-03-11T11:00:00-04:00", "staff": rita.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["start"], response.json()["staff"], response.json()["status"]) == (
        "2026-03-11T11:00:00-04:00",
        rita.pk,
        "booked",
    )
    AppointmentFactory(item=haircut, staff=sam, start=datetime(2026, 3, 11, 14, tzinfo=SALON))
    clash = front_desk_api.patch(
        url, {"start": "2026-03-11T14:30:00-04:00", "staff": sam.pk}, format="json"
    )
    assert (clash.status_code, clash.json()["code"]) == (400, "staff_double_booked")
    appointment.refresh_from_db()
    assert (appointment.staff, appointment.start.hour) == (rita, 15)  # 11:00 local
    forced = front_desk_api.patch(
        url,
        {"start": "2026-03-11T14:30:00-04:00", "staff": sam.pk, "allow_overlap": True},
        format="json",
    )
    assert forced.status_code == 200


def test_reschedule_of_a_cancelled_appointment_is_400(front_desk_api, haircut):  # R42
    appointment = AppointmentFactory(item=haircut, status=AppointmentStatus.CANCELLED)
    response = front_desk_api.patch(
        f"/api/v1/appointments/{appointment.pk}/",
        {"start": "2026-03-11T11:00:00-04:00"},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (
        400,
        "appointment_not_reschedulable",
    )


def test_client_app_users_cannot_reschedule_through_staff_paths(client_api, customer, haircut):
    appointment = AppointmentFactory(client=customer, item=haircut)
    response = client_api.patch(
        f"/api/v1/appointments/{appointment.pk}/",
        {"start": "2026-03-11T11:00:00-04:00"},
        format="json",
    )
    assert response.status_code == 403


def test_an_app_booking_lasts_the_services_duration(client_api, haircut, sam):  # R42
    booked = client_api.post(
        "/api/v1/me/appointments/",
        {"item": haircut.pk, "start": "2026-03-11T09:00:00-04:00", "duration_minutes": 15},
        format="json",
    )
    assert booked.status_code == 201
    assert booked.json()["duration_minutes"] == 45
    # Sam's hour is now taken to 9:45: a second booking at 9:15 is refused
    refused = client_api.post(
        "/api/v1/me/appointments/",
        {"item": haircut.pk, "start": "2026-03-11T09:15:00-04:00"},
        format="json",
    )
    assert refused.json()["code"] == "slot_unavailable"
