"""The owner's report in Chromium (R81): the period picker, the charts and a CSV link."""

import pytest
from playwright.sync_api import expect

from loyalty.adjustments import points_adjust
from tests.clients.factories import ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reads_the_loyalty_report(manager_page, manager):
    customer = ClientFactory(first_name="Ada", last_name="Byron")
    points_adjust(client=customer, points=1250, reason="Welcome back", user=manager)
    manager_page.goto("/admin/frontdesk/manager/")
    manager_page.click("#loyalty-report-link")
    expect(manager_page.locator("#table-liability tbody td").last).to_have_text("12.50")
    expect(manager_page.locator("#chart-activity svg rect")).not_to_have_count(0)
    # Clients per tier (none defined: everyone in "No tier") and promotion results (R81).
    expect(manager_page.locator("#table-tiers tbody tr").last).to_contain_text("No tier")
    expect(manager_page.locator("#table-promotions")).to_contain_text("Nothing in this period.")
    link = manager_page.locator("#table-months a:has-text('Download CSV')")
    assert "format=csv&table=months" in link.get_attribute("href")
    with manager_page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename
    manager_page.fill("#report-from", "2020-01-01")
    manager_page.fill("#report-to", "2020-03-31")
    manager_page.click("#report-period input[type=submit]")
    expect(manager_page.locator("#table-liability tbody td").last).to_have_text("0.00")
