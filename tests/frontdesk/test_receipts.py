"""Receipts (R49): the JSON, the print page and sending by text or e-mail."""

from decimal import Decimal

import pytest
from django.core import mail

import messaging
from frontdesk.errors import NoEmailAddress, ReceiptForOpenTicket, UnknownReceiptChannel
from frontdesk.models import ReceiptEmail
from frontdesk.receipts import ticket_receipt
from frontdesk.services import receipt_send
from loyalty.actions import Action
from messaging.errors import NoSmsConsent
from messaging.models import Message, OptOut
from salon.services import salon_settings_update
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import rule_set
from tests.staff.factories import StaffFactory
from tests.tickets.factories import closed_ticket, ticket_with_lines
from tickets.lifecycle import ticket_close, ticket_open
from tickets.lines import ticket_add_line
from tickets.payments import payment_add
from tickets.tips import tip_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def salon(manager):
    return salon_settings_update(
        user=manager,
        changes={
            "name": "Velvet Salon",
            "address": "12 Main St\nBrooklyn, NY 11201",
            "phone": "(718) 555-0100",
            "receipt_footer": "Thank you!",
        },
    )


@pytest.fixture
def consenting():
    return ClientFactory(first_name="Ann", last_name="Lee", sms_consent=True)


def url(ticket, *rest):
    return "/".join([f"/api/v1/tickets/{ticket.pk}/receipt", *rest, ""])


def test_r49_receipt_json_has_exactly_the_fields_of_the_spec(salon, consenting, front_desk_api):
    ticket = closed_ticket("45.00", "15.00", client=consenting)
    response = front_desk_api.get(url(ticket))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "salon", "number", "closed_at", "client", "lines", "subtotal", "tax", "tips", "total",
        "payments", "tendered", "change", "points", "footer",
    }  # fmt: skip
    assert body["salon"] == {
        "name": "Velvet Salon",
        "address": "12 Main St\nBrooklyn, NY 11201",
        "phone": "(718) 555-0100",
    }
    assert (body["number"], body["client"], body["footer"]) == (ticket.pk, "Ann Lee", "Thank you!")
    assert set(body["lines"][0]) == {
        "item", "staff", "quantity", "unit_price", "discount", "net", "tax",
    }  # fmt: skip
    assert (body["subtotal"], body["tax"], body["tips"], body["total"]) == (
        "60.00", "0.00", "0.00", "60.00",
    )  # fmt: skip
    assert body["payments"] == [{"method": "cash", "amount": "60.00", "points": None}]
    assert set(body["points"]) == {"earned", "pending", "redeemable", "redeemable_from"}
    # The salon's zone (America/New_York in the settings), never UTC.
    assert not body["closed_at"].endswith(("Z", "+00:00"))


def test_r49_receipt_lines_and_tips_name_the_staff_member(salon, consenting, front_desk_api):
    sam = StaffFactory(name="Sam")
    ticket = ticket_open(client=consenting)
    ticket_add_line(ticket=ticket, item=ItemFactory(name="Cut", price=Decimal("40.00")), staff=sam)
    tip_add(ticket=ticket, amount=Decimal("8.00"), staff=sam)
    payment_add(ticket=ticket, method="cash", amount=Decimal("48.00"), tendered=Decimal("50.00"))
    ticket_close(ticket=ticket)
    body = front_desk_api.get(url(ticket)).json()
    assert (body["lines"][0]["item"], body["lines"][0]["staff"]) == ("Cut", "Sam")
    assert (body["tips"], body["tendered"], body["change"]) == ("8.00", "50.00", "2.00")


def test_r49_an_open_ticket_has_no_receipt(front_desk_api):
    ticket = ticket_with_lines("45.00")
    with pytest.raises(ReceiptForOpenTicket):
        ticket_receipt(ticket_id=ticket.pk)
    response = front_desk_api.get(url(ticket))
    assert response.status_code == 400
    assert response.json()["code"] == "ticket_still_open"


def test_r49_receipt_queries_do_not_grow_with_lines(consenting, django_assert_num_queries):
    rule_set(Action.SERVICE_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    few = closed_ticket("10.00", client=consenting)
    many = closed_ticket(*["10.00"] * 12, client=consenting)
    # the ticket with its amounts and points, lines with items, tips, payments, the salon,
    # the client's balance, when pending points clear
    for ticket in (few, many):
        with django_assert_num_queries(7):
            ticket_receipt(ticket_id=ticket.pk)


def test_r49_text_receipt_is_queued_once_per_ticket_unless_resent(
    salon, consenting, front_desk_api, django_capture_on_commit_callbacks
):
    ticket = closed_ticket("60.00", client=consenting)
    with django_capture_on_commit_callbacks(execute=True):
        response = front_desk_api.post(url(ticket, "send"), {"channel": "sms"}, format="json")
    assert response.status_code == 202
    assert response.json() == {"channel": "sms", "queued": True}
    with django_capture_on_commit_callbacks(execute=True):
        again = front_desk_api.post(url(ticket, "send"), {"channel": "sms"}, format="json")
    assert (again.status_code, again.json()["queued"]) == (202, False)
    assert len(messaging.outbox) == 1
    assert messaging.outbox[0].body.startswith(f"Velvet Salon receipt #{ticket.pk}")
    assert "total $60.00" in messaging.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        resent = front_desk_api.post(
            url(ticket, "send"), {"channel": "sms", "resend": True}, format="json"
        )
    assert resent.json()["queued"] is True
    assert len(messaging.outbox) == 2


def test_r49_no_text_without_consent_or_to_an_opted_out_number(front_desk_api):
    no_consent = closed_ticket("60.00", client=ClientFactory(sms_consent=False))
    response = front_desk_api.post(url(no_consent, "send"), {"channel": "sms"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "no_sms_consent")
    opted_out = ClientFactory(sms_consent=True)
    OptOut.objects.create(phone=str(opted_out.phone))
    ticket = closed_ticket("60.00", client=opted_out)
    with pytest.raises(NoSmsConsent):
        receipt_send(ticket=ticket, channel="sms")
    assert Message.objects.count() == 0


def test_r49_a_receipt_by_another_channel_is_refused_with_its_code(salon, consenting):
    ticket = closed_ticket("60.00", client=consenting)
    with pytest.raises(UnknownReceiptChannel) as refused:
        receipt_send(ticket=ticket, channel="fax")
    assert (refused.value.code, refused.value.field) == ("unknown_receipt_channel", "channel")
    assert Message.objects.count() == 0
    assert ReceiptEmail.objects.count() == 0


def test_r49_email_receipt_goes_through_the_email_backend_once(
    salon, consenting, django_capture_on_commit_callbacks
):
    ticket = closed_ticket("60.00", client=consenting)
    with django_capture_on_commit_callbacks(execute=True):
        receipt_send(ticket=ticket, channel="email")
        receipt_send(ticket=ticket, channel="email")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [consenting.email]
    assert mail.outbox[0].subject == f"Your receipt from Velvet Salon (#{ticket.pk})"
    assert "Total: $60.00" in mail.outbox[0].body
    assert ReceiptEmail.objects.get().status == "sent"


def test_r49_email_needs_an_address():
    ticket = closed_ticket("60.00", client=ClientFactory(email=""))
    with pytest.raises(NoEmailAddress) as refused:
        receipt_send(ticket=ticket, channel="email")
    assert refused.value.code == "no_email_address"


def test_r49_print_page_and_send_from_admin(
    salon, consenting, client, front_desk, django_capture_on_commit_callbacks
):
    client.force_login(front_desk)
    ticket = closed_ticket("45.00", client=consenting)
    page = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert f"/admin/frontdesk/tickets/{ticket.pk}/receipt/" in page.content.decode()
    page = client.get(f"/admin/frontdesk/tickets/{ticket.pk}/receipt/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Velvet Salon" in text and "12 Main St" in text and "$45.00" in text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/frontdesk/tickets/{ticket.pk}/receipt/send/", {"channel": "sms"}
        )
    assert response.status_code == 302
    assert len(messaging.outbox) == 1
    page = client.get(response["Location"])
    assert "The receipt is on its way by text." in page.content.decode()
    assert "Send text again" in page.content.decode()
