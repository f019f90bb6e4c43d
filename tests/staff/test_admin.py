"""Staff in admin (R41, R42): Managers keep staff, hours and exceptions; the desk reads."""

from datetime import date, time

import pytest
from django.test import Client
from django.urls import reverse

from staff.models import ScheduleException, Staff, WorkingHours
from tests.staff.factories import StaffFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db
ADD = reverse("admin:staff_staff_add")


@pytest.fixture
def manager_browser(manager):
    browser = Client()
    browser.force_login(manager)
    return browser


@pytest.fixture
def desk_browser(front_desk):
    browser = Client()
    browser.force_login(front_desk)
    return browser


def inline_data(hours=(), exceptions=(), initial_hours=0, initial_exceptions=0):
    data = {
        "hours-TOTAL_FORMS": len(hours),
        "hours-INITIAL_FORMS": initial_hours,
        "exceptions-TOTAL_FORMS": len(exceptions),
        "exceptions-INITIAL_FORMS": initial_exceptions,
    }
    for index, row in enumerate(hours):
        data |= {f"hours-{index}-{key}": value for key, value in row.items()}
    for index, row in enumerate(exceptions):
        data |= {f"exceptions-{index}-{key}": value for key, value in row.items()}
    return data


def test_r41_r42_manager_adds_a_stylist_with_a_week_and_a_day_off(manager_browser):
    response = manager_browser.post(
        ADD,
        {"name": " Rita ", "active": "on", "color": "#b5487a"}
        | inline_data(
            hours=[
                {"weekday": 1, "start": "10:00", "end": "18:00"},
                {"weekday": 2, "start": "10:00", "end": "14:00"},
            ],
            exceptions=[{"date": "2026-03-11", "start": "", "end": ""}],
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    rita = Staff.objects.get()
    assert (rita.name, rita.color) == ("Rita", "#b5487a")
    assert list(rita.hours.values_list("weekday", "start", "end")) == [
        (1, time(10), time(18)),
        (2, time(10), time(14)),
    ]
    assert list(rita.exceptions.values_list("date", "start")) == [(date(2026, 3, 11), None)]


def test_r42_overlapping_hours_show_a_plain_error_and_save_nothing(manager_browser):
    response = manager_browser.post(
        ADD,
        {"name": "Rita", "active": "on", "color": "#b5487a"}
        | inline_data(
            hours=[
                {"weekday": 1, "start": "10:00", "end": "14:00"},
                {"weekday": 1, "start": "13:00", "end": "18:00"},
            ]
        ),
    )
    assert response.status_code == 200
    errors = [
        str(error)
        for formset in response.context["inline_admin_formsets"]
        for error in formset.formset.non_form_errors()
    ]
    assert errors == ["Two ranges of working hours on the same day overlap."]
    assert Staff.objects.count() == WorkingHours.objects.count() == 0


def test_r42_end_before_start_shows_no_constraint_name(manager_browser):
    response = manager_browser.post(
        ADD,
        {"name": "Rita", "active": "on", "color": "#b5487a"}
        | inline_data(hours=[{"weekday": 1, "start": "18:00", "end": "10:00"}]),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Working hours must end after they start." in page
    assert "hours_end_after_start" not in page
    assert Staff.objects.count() == 0


def test_r42_manager_changes_the_week_and_replaces_an_exception(manager_browser):
    sam = StaffFactory(name="Sam")
    hours = WorkingHoursFactory(staff=sam, weekday=0, start=time(9), end=time(17))
    day_off = ScheduleException.objects.create(staff=sam, date=date(2026, 3, 11))
    response = manager_browser.post(
        reverse("admin:staff_staff_change", args=[sam.pk]),
        {"name": "Sam", "active": "on", "color": "#4f7cac"}
        | inline_data(
            hours=[
                {
                    "id": hours.pk,
                    "staff": sam.pk,
                    "weekday": 0,
                    "start": "09:00",
                    "end": "17:00",
                    "DELETE": "on",
                },
                {"weekday": 3, "start": "08:00", "end": "12:00"},
            ],
            exceptions=[
                {
                    "id": day_off.pk,
                    "staff": sam.pk,
                    "date": "2026-03-11",
                    "start": "12:00",
                    "end": "15:00",
                }
            ],
            initial_hours=1,
            initial_exceptions=1,
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(sam.hours.values_list("weekday", "start", "end")) == [(3, time(8), time(12))]
    assert list(sam.exceptions.values_list("date", "start", "end")) == [
        (date(2026, 3, 11), time(12), time(15))
    ]


def test_r41_front_desk_reads_staff_but_cannot_add_or_change(desk_browser):
    sam = StaffFactory(name="Sam")
    assert desk_browser.get(reverse("admin:staff_staff_changelist")).status_code == 200
    assert desk_browser.get(ADD).status_code == 403
    change_url = reverse("admin:staff_staff_change", args=[sam.pk])
    assert desk_browser.get(change_url).status_code == 200
    desk_browser.post(change_url, {"name": "Samuel", "color": "#000000"} | inline_data())
    sam.refresh_from_db()
    assert sam.name == "Sam"
