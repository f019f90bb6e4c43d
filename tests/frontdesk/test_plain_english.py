"""What the desk reads (issue #14, R71): adjustments and texts in words, not records."""

from decimal import Decimal

import pytest

from appointments.selectors import confirmation_purpose
from messaging.models import Direction, Message, MessageStatus
from tests.appointments.factories import AppointmentFactory
from tests.tickets.factories import closed_ticket
from tickets.lines import ticket_update_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client, manager):
    client.force_login(manager)
    return client


def test_r16_an_adjustment_reads_item_old_and_new_amounts_and_reason(boss, manager, customer):
    ticket = closed_ticket("100.00", client=customer)
    line = ticket.lines.get()
    line.item.name = "Haircut"
    line.item.save()
    ticket_update_line(line=line, user=manager, unit_price=Decimal("80.00"), reason="Price match")
    expected = "Haircut: $100.00 → $80.00 — Price match"
    assert expected in boss.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    listing = boss.get("/admin/tickets/ticketadjustment/").content.decode()
    assert expected in listing
    assert "net_amount" not in listing


def test_r39_a_text_reads_client_text_and_status(boss):
    appointment = AppointmentFactory(client__first_name="Ann", client__last_name="Lee")
    Message.objects.create(
        client=appointment.client,
        direction=Direction.OUTBOUND,
        to_number="+12025550101",
        body="Salon: hi Ann, your Haircut is on Sat Nov 28 at 12:00 PM. Reply C to confirm.",
        status=MessageStatus.SENT,
        purpose=confirmation_purpose(appointment),
    )
    page = boss.get("/admin/messaging/message/").content.decode()
    assert "Ann Lee" in page
    assert "Reply C to confirm." in page
    assert "Appointment confirmation request" in page
    assert "(202) 555-0101" in page
    assert "confirmation:appointment:" not in page
