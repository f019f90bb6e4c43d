"""Admin for appointments and reservations: through the services (R12, R35, R36)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from appointments.models import Appointment, AppointmentStatus, ReservationStatus
from tests.appointments.factories import AppointmentFactory, ProductReservationFactory
from tests.clients.factories import ClientFactory
from tests.feedback.factories import TicketRowFactory
from tests.staff.factories import StaffFactory

pytestmark = pytest.mark.django_db

SALON = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=SALON)
CHANGELIST = "admin:appointments_appointment_changelist"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def desk(client, front_desk):
    """pytest-django's browser `client`, signed in as Front desk."""
    client.force_login(front_desk)
    return client


def test_day_list_is_ordered_by_start(desk):  # R35
    later = AppointmentFactory(start=NOW + timedelta(hours=3))
    sooner = AppointmentFactory(start=NOW + timedelta(hours=1))
    response = desk.get(
        reverse(CHANGELIST), {"start__day": 10, "start__month": 3, "start__year": 2026}
    )
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows == [sooner, later]


def test_filter_by_status(desk):
    AppointmentFactory(status=AppointmentStatus.CANCELLED)
    booked = AppointmentFactory()
    response = desk.get(reverse(CHANGELIST), {"status__exact": "booked"})
    assert list(response.context["cl"].result_list) == [booked]


@pytest.mark.parametrize("rows", [2, 15])
def test_changelist_queries_are_constant(desk, django_assert_max_num_queries, rows):  # §12
    AppointmentFactory.create_batch(rows)
    with django_assert_max_num_queries(12):
        response = desk.get(reverse(CHANGELIST))
    assert response.status_code == 200


def test_add_books_through_the_service(desk, front_desk, customer, haircut):  # R12, R35
    TicketRowFactory(client=customer)
    response = desk.post(
        reverse("admin:appointments_appointment_add"),
        {
            "client": customer.pk,
            "item": haircut.pk,
            "start_0": "2026-03-20",
            "start_1": "10:00:00",
            "duration_minutes": 30,
            "staff": StaffFactory(name="Dana").pk,
            "source": "front_desk",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    appointment = Appointment.objects.get()
    assert appointment.prebooked is True
    assert appointment.created_by == front_desk
    assert appointment.start == datetime(2026, 3, 20, 10, 0, tzinfo=SALON)


def test_add_in_the_past_shows_the_error_and_saves_nothing(desk, customer, haircut):  # R35
    response = desk.post(
        reverse("admin:appointments_appointment_add"),
        {
            "client": customer.pk,
            "item": haircut.pk,
            "start_0": "2026-03-09",
            "start_1": "10:00:00",
            "duration_minutes": 30,
            "source": "front_desk",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["start"] == [
        "An appointment can't start in the past."
    ]
    assert Appointment.objects.count() == 0


def test_actions_change_status_through_the_services(desk):  # R35
    to_confirm = AppointmentFactory()
    cancelled = AppointmentFactory(status=AppointmentStatus.CANCELLED)
    response = desk.post(
        reverse(CHANGELIST),
        {"action": "confirm", ACTION_CHECKBOX_NAME: [to_confirm.pk, cancelled.pk]},
        follow=True,
    )
    to_confirm.refresh_from_db()
    cancelled.refresh_from_db()
    assert to_confirm.status == AppointmentStatus.CONFIRMED
    assert cancelled.status == AppointmentStatus.CANCELLED
    shown = [str(message) for message in response.context["messages"]]
    assert "1 confirmed." in shown
    assert any("can't be marked confirmed" in message for message in shown)

    desk.post(reverse(CHANGELIST), {"action": "check_in", ACTION_CHECKBOX_NAME: [to_confirm.pk]})
    to_confirm.refresh_from_db()
    assert to_confirm.status == AppointmentStatus.ARRIVED

    other = AppointmentFactory()
    desk.post(reverse(CHANGELIST), {"action": "cancel", ACTION_CHECKBOX_NAME: [other.pk]})
    other.refresh_from_db()
    assert other.status == AppointmentStatus.CANCELLED


def test_change_page_of_a_past_appointment_is_read_only(desk):
    dana = StaffFactory(name="Dana")
    appointment = AppointmentFactory(staff=dana, status=AppointmentStatus.COMPLETED)
    url = reverse("admin:appointments_appointment_change", args=[appointment.pk])
    assert desk.get(url).status_code == 200
    desk.post(url, {"staff": StaffFactory(name="Eve").pk, "status": "booked"})
    appointment.refresh_from_db()
    assert (appointment.staff, appointment.status) == (dana, "completed")


def test_reservation_admin_add_and_cancel(desk, customer, shampoo, haircut):  # R36
    url = reverse("admin:appointments_productreservation_add")
    refused = desk.post(url, {"client": customer.pk, "item": haircut.pk, "quantity": 1})
    assert refused.status_code == 200
    assert (
        desk.post(
            url, {"client": customer.pk, "item": shampoo.pk, "quantity": 2, "source": "front_desk"}
        ).status_code
        == 302
    )
    reservation = customer.reservations.get()
    assert reservation.quantity == 2
    desk.post(
        reverse("admin:appointments_productreservation_changelist"),
        {"action": "cancel", ACTION_CHECKBOX_NAME: [reservation.pk]},
    )
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED


@pytest.mark.parametrize("rows", [2, 15])
def test_reservation_changelist_queries_are_constant(desk, django_assert_max_num_queries, rows):
    ProductReservationFactory.create_batch(rows)
    with django_assert_max_num_queries(12):
        response = desk.get(reverse("admin:appointments_productreservation_changelist"))
    assert response.status_code == 200


def test_r42_double_booking_warns_then_offers_book_anyway(desk, customer, haircut):
    sam = StaffFactory(name="Sam")
    AppointmentFactory(
        client=ClientFactory(first_name="Ann", last_name="Lee"),
        item=haircut,
        staff=sam,
        start=datetime(2026, 3, 11, 9, tzinfo=SALON),
        duration_minutes=60,
    )
    add = reverse("admin:appointments_appointment_add")
    form = {
        "client": customer.pk,
        "item": haircut.pk,
        "start_0": "2026-03-11",
        "start_1": "09:30:00",
        "duration_minutes": "",
        "staff": sam.pk,
        "source": "front_desk",
    }
    assert 'type="hidden" name="allow_overlap"' in desk.get(add).content.decode()
    warned = desk.post(add, form)
    assert warned.status_code == 200
    page = warned.content.decode()
    assert "Sam already has Ann Lee&#x27;s" in page
    assert 'type="checkbox" name="allow_overlap"' in page
    assert Appointment.objects.count() == 1
    booked = desk.post(add, form | {"allow_overlap": "on"})
    assert booked.status_code == 302
    assert Appointment.objects.filter(client=customer, staff=sam).count() == 1


def test_r42_the_change_page_reschedules_a_booked_appointment(desk, haircut):
    sam, rita = StaffFactory(name="Sam"), StaffFactory(name="Rita")
    appointment = AppointmentFactory(
        item=haircut, staff=sam, start=datetime(2026, 3, 11, 9, tzinfo=SALON), duration_minutes=60
    )
    AppointmentFactory(
        item=haircut, staff=rita, start=datetime(2026, 3, 11, 14, tzinfo=SALON), duration_minutes=60
    )
    url = reverse("admin:appointments_appointment_change", args=[appointment.pk])
    refused = desk.post(url, {"start_0": "2026-03-11", "start_1": "14:30:00", "staff": rita.pk})
    assert refused.status_code == 200
    assert 'type="checkbox" name="allow_overlap"' in refused.content.decode()
    moved = desk.post(url, {"start_0": "2026-03-11", "start_1": "16:00:00", "staff": rita.pk})
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.staff, appointment.start) == (rita, datetime(2026, 3, 11, 16, tzinfo=SALON))
