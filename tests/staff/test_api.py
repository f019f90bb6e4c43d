"""GET/POST/PATCH /api/v1/staff/, …/hours/ and …/exceptions/ (R41, R42, SPEC §10, §18)."""

from datetime import date, time

import pytest

from staff.models import ScheduleException, Staff, WorkingHours
from tests.accounts.factories import FrontDeskFactory
from tests.staff.factories import ScheduleExceptionFactory, StaffFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/staff/"


def test_r41_manager_adds_and_changes_a_staff_member(manager_api):
    login = FrontDeskFactory()
    response = manager_api.post(
        URL, {"name": " Sam ", "color": "#aa3355", "user": login.pk}, format="json"
    )
    assert response.status_code == 201, response.data
    sam = Staff.objects.get()
    assert response.data == {
        "id": sam.pk,
        "name": "Sam",
        "active": True,
        "color": "#aa3355",
        "user": login.pk,
    }
    response = manager_api.patch(f"{URL}{sam.pk}/", {"active": False}, format="json")
    assert response.status_code == 200
    assert (response.data["name"], response.data["active"]) == ("Sam", False)


def test_r41_every_staff_user_reads_and_only_managers_write(front_desk_api, manager_api):
    sam = StaffFactory(name="Sam")
    StaffFactory(name="Ada", active=False)
    response = front_desk_api.get(URL)
    assert [row["name"] for row in response.data["results"]] == ["Ada", "Sam"]
    assert [row["name"] for row in front_desk_api.get(URL, {"active": "true"}).data["results"]] == [
        "Sam"
    ]
    assert front_desk_api.get(f"{URL}{sam.pk}/").data["name"] == "Sam"
    assert front_desk_api.post(URL, {"name": "Eve"}, format="json").status_code == 403
    assert front_desk_api.patch(f"{URL}{sam.pk}/", {"name": "X"}, format="json").status_code == 403
    put = front_desk_api.put(f"{URL}{sam.pk}/hours/", [], format="json")
    assert put.status_code == 403
    assert Staff.objects.filter(name="Sam").count() == 1


def test_r41_client_app_users_cannot_read_staff(client_api, anonymous_api):
    assert client_api.get(URL).status_code == 403
    assert anonymous_api.get(URL).status_code == 401


def test_r41_a_taken_name_is_400_with_its_code(manager_api):
    StaffFactory(name="Sam")
    response = manager_api.post(URL, {"name": "SAM"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "staff_name_taken"
    assert Staff.objects.count() == 1


def test_r42_put_hours_replaces_the_week(manager_api, front_desk_api):
    sam = StaffFactory(name="Sam")
    WorkingHoursFactory(staff=sam, weekday=6)
    week = [
        {"weekday": 0, "start": "09:00", "end": "17:00"},
        {"weekday": 2, "start": "13:00", "end": "17:30"},
        {"weekday": 2, "start": "09:00", "end": "12:00"},
    ]
    response = manager_api.put(f"{URL}{sam.pk}/hours/", week, format="json")
    assert response.status_code == 200, response.data
    expected = [
        {"weekday": 0, "start": "09:00", "end": "17:00"},
        {"weekday": 2, "start": "09:00", "end": "12:00"},
        {"weekday": 2, "start": "13:00", "end": "17:30"},
    ]
    assert response.json() == expected
    assert front_desk_api.get(f"{URL}{sam.pk}/hours/").json() == expected
    assert WorkingHours.objects.count() == 3


@pytest.mark.parametrize(
    ("week", "code"),
    [
        ([{"weekday": 0, "start": "17:00", "end": "09:00"}], "hours_end_not_after_start"),
        (
            [
                {"weekday": 1, "start": "09:00", "end": "13:00"},
                {"weekday": 1, "start": "12:00", "end": "17:00"},
            ],
            "hours_overlap",
        ),
    ],
)
def test_r42_bad_hours_are_400_with_codes_and_change_nothing(manager_api, week, code):
    sam = StaffFactory(name="Sam")
    WorkingHoursFactory(staff=sam, weekday=4)
    response = manager_api.put(f"{URL}{sam.pk}/hours/", week, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert list(WorkingHours.objects.values_list("weekday", flat=True)) == [4]


@pytest.mark.parametrize(
    "row",
    [
        {"weekday": 7, "start": "09:00", "end": "17:00"},
        {"weekday": 0, "start": "9am", "end": "17:00"},
        {"weekday": 0, "start": "09:00"},
    ],
)
def test_r42_malformed_hours_are_400_field_errors(manager_api, row):
    sam = StaffFactory(name="Sam")
    response = manager_api.put(f"{URL}{sam.pk}/hours/", [row], format="json")
    assert response.status_code == 400
    assert WorkingHours.objects.count() == 0


def test_r42_exceptions_added_listed_and_deleted(manager_api, front_desk_api):
    sam = StaffFactory(name="Sam")
    day_off = manager_api.post(f"{URL}{sam.pk}/exceptions/", {"date": "2026-03-14"}, format="json")
    assert day_off.status_code == 201, day_off.data
    assert day_off.json() == {
        "id": day_off.json()["id"],
        "date": "2026-03-14",
        "start": None,
        "end": None,
    }
    short = manager_api.post(
        f"{URL}{sam.pk}/exceptions/",
        {"date": "2026-03-16", "start": "12:00", "end": "15:00"},
        format="json",
    )
    assert short.status_code == 201
    listed = front_desk_api.get(f"{URL}{sam.pk}/exceptions/").json()
    assert [(row["date"], row["start"], row["end"]) for row in listed] == [
        ("2026-03-14", None, None),
        ("2026-03-16", "12:00", "15:00"),
    ]
    exception_url = f"{URL}{sam.pk}/exceptions/{day_off.json()['id']}/"
    assert front_desk_api.delete(exception_url).status_code == 403
    assert manager_api.delete(exception_url).status_code == 204
    assert list(ScheduleException.objects.values_list("date", flat=True)) == [date(2026, 3, 16)]


def test_r42_an_exception_of_another_staff_member_is_404(manager_api):
    sam, rita = StaffFactory(name="Sam"), StaffFactory(name="Rita")
    ritas = ScheduleExceptionFactory(staff=rita, date=date(2026, 3, 14))
    response = manager_api.delete(f"{URL}{sam.pk}/exceptions/{ritas.pk}/")
    assert response.status_code == 404
    assert ScheduleException.objects.count() == 1


def test_r42_a_clashing_exception_is_400_with_its_code(manager_api):
    sam = StaffFactory(name="Sam")
    ScheduleExceptionFactory(staff=sam, date=date(2026, 3, 14), start=time(9), end=time(12))
    response = manager_api.post(f"{URL}{sam.pk}/exceptions/", {"date": "2026-03-14"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "exception_conflict"
    half = manager_api.post(
        f"{URL}{sam.pk}/exceptions/", {"date": "2026-03-15", "start": "09:00"}, format="json"
    )
    assert half.json()["code"] == "exception_times_incomplete"
    assert ScheduleException.objects.count() == 1
