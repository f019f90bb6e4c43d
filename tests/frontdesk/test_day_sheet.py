"""The day sheet, the desk's home page (issue #14): columns per staff member, 15-minute
rows in the salon's zone, confirmation state per block (R38), cancelled appointments left
out, and a constant number of queries for a busy day."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from appointments.models import AppointmentStatus
from appointments.selectors import CONFIRMATION_PURPOSE
from frontdesk.day_sheet import UNASSIGNED, day_sheet
from messaging.models import Direction, Message, MessageStatus, OptOut
from tests.appointments.factories import AppointmentFactory
from tests.clients.factories import ClientFactory
from tests.staff.factories import StaffFactory
from tests.tickets.factories import service_item
from tickets.lifecycle import ticket_open

pytestmark = pytest.mark.django_db

SATURDAY = date(2026, 11, 28)


def at(hour: int, minute: int = 0, day: date = SATURDAY) -> datetime:
    """A wall-clock time in the salon's zone."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def book(hour, minute=0, *, staff="", status=AppointmentStatus.BOOKED, **kwargs):
    staff_member = StaffFactory(name=staff) if staff else None
    return AppointmentFactory(start=at(hour, minute), staff=staff_member, status=status, **kwargs)


def blocks_of(sheet, name):
    return next(column for column in sheet.columns if column.name == name).blocks


def test_one_column_per_staff_member_and_unassigned_last():
    book(10, staff="Sam")
    book(9, staff="Rita")
    book(11)
    sheet = day_sheet(day=SATURDAY)
    assert [column.name for column in sheet.columns] == ["Rita", "Sam", UNASSIGNED]


def test_an_empty_day_still_has_a_column_to_book_into():
    sheet = day_sheet(day=SATURDAY)
    assert [column.name for column in sheet.columns] == [UNASSIGNED]
    assert sheet.appointments_count == 0


def test_rows_are_15_minutes_in_the_salon_zone_from_8_to_8():
    appointment = book(10, 30, staff="Sam", duration_minutes=45)
    sheet = day_sheet(day=SATURDAY)
    assert len(sheet.slots) == 48  # 8:00 AM to 8:00 PM
    assert timezone.localtime(sheet.slots[0]).strftime("%H:%M") == "08:00"
    (block,) = blocks_of(sheet, "Sam")
    assert block.appointment == appointment
    assert (block.row, block.rows) == (10, 3)  # 10:30 is the 11th row; 45 minutes, 3 rows


def test_an_early_booking_stretches_the_sheet():
    book(7, 10, staff="Sam")
    sheet = day_sheet(day=SATURDAY)
    assert timezone.localtime(sheet.slots[0]).strftime("%H:%M") == "07:00"
    assert blocks_of(sheet, "Sam")[0].row == 0


def test_a_cancelled_appointment_does_not_count():
    book(10, staff="Sam")
    book(11, staff="Sam", status=AppointmentStatus.CANCELLED)
    sheet = day_sheet(day=SATURDAY)
    assert sheet.appointments_count == 1
    assert sheet.cancelled_count == 1
    assert len(blocks_of(sheet, "Sam")) == 1


def test_a_double_book_sits_side_by_side():
    book(10, staff="Sam")
    book(10, 30, staff="Sam")
    book(13, staff="Sam")
    first, second, alone = blocks_of(day_sheet(day=SATURDAY), "Sam")
    assert [(first.lane, first.lanes), (second.lane, second.lanes)] == [(0, 2), (1, 2)]
    assert (alone.lane, alone.lanes) == (0, 1)


def test_confirmation_state_in_the_desks_words():  # R38
    no_consent = book(9, client=ClientFactory(sms_consent=False))
    not_texted = book(10, client=ClientFactory(sms_consent=True))
    texted = book(11, client=ClientFactory(sms_consent=True))
    replied = book(12, client=ClientFactory(sms_consent=True), status=AppointmentStatus.CONFIRMED)
    opted_out = book(13, client=ClientFactory(sms_consent=True))
    arrived = book(14, status=AppointmentStatus.ARRIVED)
    by_the_desk = book(15, status=AppointmentStatus.CONFIRMED)
    for appointment in (texted, replied):
        Message.objects.create(
            direction=Direction.OUTBOUND,
            to_number=str(appointment.client.phone),
            body="Reply C to confirm.",
            status=MessageStatus.SENT,
            purpose=CONFIRMATION_PURPOSE.format(appointment.pk),
        )
    OptOut.objects.create(phone=str(opted_out.client.phone))
    states = {
        block.appointment.pk: block.confirmation
        for block in blocks_of(day_sheet(day=SATURDAY), UNASSIGNED)
    }
    assert states == {
        no_consent.pk: "No text consent",
        not_texted.pk: "Not texted yet",
        texted.pk: "Texted, no reply yet",
        replied.pk: "Confirmed by reply",
        opted_out.pk: "Opted out of texts",
        arrived.pk: "",
        by_the_desk.pk: "",
    }


def test_a_block_knows_its_open_ticket():
    appointment = book(10, staff="Sam")
    ticket = ticket_open(appointment=appointment)
    assert blocks_of(day_sheet(day=SATURDAY), "Sam")[0].open_ticket_id == ticket.pk


# --- the page ----------------------------------------------------------------------------


@pytest.fixture
def desk(client, front_desk):
    client.force_login(front_desk)
    return client


def test_the_home_page_is_the_day_sheet(desk):
    appointment = book(12, staff="Sam", item=service_item(name="Haircut"))
    page = desk.get(f"/admin/?day={SATURDAY.isoformat()}").content.decode()
    assert "Saturday 28 November 2026" in page
    assert f'id="appointment-{appointment.pk}"' in page
    assert "12:00–1:00 PM" in page  # the salon's zone, not UTC's 17:00
    assert 'href="?day=2026-11-27"' in page and 'href="?day=2026-11-29"' in page
    assert 'id="find-client"' in page and 'id="open-walk-in"' in page
    assert f"/admin/frontdesk/clients/{appointment.client_id}/log/" in page


def test_a_day_that_is_not_a_date_shows_today(desk):
    response = desk.get("/admin/?day=someday")
    assert response.status_code == 200
    assert timezone.localdate().strftime("%B %Y") in response.content.decode()


@pytest.mark.parametrize(("staff", "appointments"), [(2, 6), (20, 150)])
def test_day_sheet_queries_are_constant(desk, staff, appointments, django_assert_num_queries):
    item = service_item()
    for number in range(appointments):
        book(
            8 + number % 12,
            15 * (number // 12 % 4),
            staff=f"Stylist {number % staff:02d}",
            item=item,
        )
    # session, user, the user's and their groups' permissions, then the day: the
    # appointments with their confirmation state and open tickets, the active staff, their
    # weekly hours and dated exceptions, and the cancelled count
    with django_assert_num_queries(9):
        response = desk.get(f"/admin/?day={SATURDAY.isoformat()}")
    assert response.content.decode().count('class="sheet-block') == appointments


# --- plain English (issue #14) -------------------------------------------------------------


def test_an_appointment_reads_in_the_salons_time():
    appointment = book(
        12,
        item=service_item(name="Haircut"),
        client=ClientFactory(first_name="Ann", last_name="Lee"),
    )
    assert str(appointment) == "Haircut for Ann Lee, Sat Nov 28 at 12:00 PM"  # 17:00 UTC


def test_phones_read_in_national_format(desk):
    from salon.formats import phone_display

    assert phone_display("+12025550101") == "(202) 555-0101"
    assert phone_display("+442079460958") == "+44 20 7946 0958"
    assert phone_display(None) == ""
    customer = ClientFactory(phone="+12025550101")
    assert "(202) 555-0101" in desk.get("/admin/clients/client/").content.decode()
    log = desk.get(f"/admin/frontdesk/clients/{customer.pk}/log/").content.decode()
    assert "(202) 555-0101" in log and "+12025550101" not in log


def test_find_client_leaves_merged_clients_out(desk, manager):
    from clients.services import client_merge

    keep = ClientFactory(first_name="Mara", last_name="Keep")
    duplicate = ClientFactory(first_name="Mara", last_name="Twice")
    client_merge(survivor=keep, duplicate=duplicate, user=manager)
    found = desk.get("/admin/clients/client/?q=mara").content.decode()
    assert "Keep" in found and "Twice" not in found
    merged = desk.get("/admin/clients/client/?q=mara&merged_into__isempty=0").content.decode()
    assert "Twice" in merged


def test_a_working_stylist_has_a_column_and_their_hours_show(db):  # R41, R42
    from datetime import time

    from staff.services import Range, staff_hours_set

    jo = StaffFactory(name="Jo")
    staff_hours_set(staff=jo, ranges=[Range(SATURDAY.weekday(), time(12), time(20))])
    StaffFactory(name="Kim")  # no hours on Saturdays, no bookings: no column
    book(9, staff="Sam")
    sheet = day_sheet(day=SATURDAY)
    assert [column.name for column in sheet.columns] == ["Jo", "Sam"]
    jo_column = sheet.columns[0]
    assert jo_column.blocks == []
    assert jo_column.working == [(16, 32)]  # 12 PM is the 17th row of 8 AM; 8 hours
    assert jo_column.shaded
