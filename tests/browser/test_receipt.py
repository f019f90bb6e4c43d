"""The print receipt (R49) in Debian's Chromium: what it shows, and that it prints as one
column on an 80 mm receipt printer and on A4, without the toolbar."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalog.services import tax_rate_create
from salon.services import salon_settings_update
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tickets.lifecycle import ticket_close, ticket_open
from tickets.lines import ticket_add_line
from tickets.payments import payment_add
from tickets.tips import tip_add

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MM = 96 / 25.4  # CSS pixels per millimetre


def closed_taxed_ticket(manager):
    salon_settings_update(
        user=manager,
        changes={"name": "Velvet Salon", "address": "12 Main Street\nBrooklyn, NY 11201",
                 "receipt_footer": "Thank you!"},
    )  # fmt: skip
    rate = tax_rate_create(name="NYC", percent=Decimal("8.875"))
    ticket = ticket_open(client=ClientFactory(first_name="Emma", last_name="Wilson"))
    ticket_add_line(ticket=ticket, item=ItemFactory(name="Blow-dry", price=Decimal("45.00")))
    ticket_add_line(
        ticket=ticket,
        item=ItemFactory(name="Shampoo", kind="product", price=Decimal("24.00"), tax_rate=rate),
    )
    tip_add(ticket=ticket, amount=Decimal("9.00"))
    payment_add(ticket=ticket, method="cash", amount=Decimal("80.13"), tendered=Decimal("100"))
    return ticket_close(ticket=ticket)


def test_print_receipt_on_80mm_and_a4(desk_page, manager):
    ticket = closed_taxed_ticket(manager)
    desk_page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    desk_page.click("#print-receipt")
    receipt = desk_page.locator("#receipt")
    expect(receipt).to_contain_text("Velvet Salon")
    expect(receipt).to_contain_text("12 Main Street")
    expect(desk_page.locator("#receipt-total")).to_have_text("$80.13")
    text = receipt.inner_text()
    for shown in ("Shampoo", "Tax 8.875 %", "$2.13", "Tip", "$9.00", "Tendered", "$100.00",
                  "Change", "$19.87", "Points earned by this visit", "Thank you!"):  # fmt: skip
        assert shown in text, shown
    assert "UTC" not in text and "+1" not in text

    desk_page.emulate_media(media="print")
    expect(desk_page.locator(".toolbar")).to_be_hidden()
    width = receipt.bounding_box()["width"]
    assert width <= 80 * MM  # fits the 80 mm roll

    desk_page.emulate_media(media="screen")
    desk_page.click("text=A4")
    desk_page.emulate_media(media="print")
    assert receipt.bounding_box()["width"] > 150 * MM  # a column across the A4 sheet
    pdf = desk_page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
