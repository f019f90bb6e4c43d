"""Moving in, in Chromium (R82): the Clients list's Import button, the preview with each
refused row, and the confirmation that creates the clients with their opening points."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from clients.models import Client
from loyalty.models import EntryKind, PointsEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "moving-in-example.csv"
HEADER = EXAMPLE.read_text().splitlines()[0]


def open_import(page):
    page.goto("/admin/clients/client/")
    page.click("a.import_link")
    expect(page.locator("h1")).to_have_text("Import")


def test_manager_previews_then_confirms_the_example_file(manager_page):
    open_import(manager_page)
    manager_page.set_input_files("#id_import_file", str(EXAMPLE))
    manager_page.click("input[type=submit][value=Submit]")
    expect(manager_page.locator("table.import-preview tr.new")).to_have_count(5)
    expect(manager_page.locator("table.import-preview")).to_contain_text("(212) 555-0141")
    assert Client.objects.count() == 0  # the preview wrote nothing
    manager_page.click("input[type=submit][value='Confirm import']")
    expect(manager_page.locator(".messagelist .success")).to_contain_text("5 new")
    assert Client.objects.count() == 5
    assert PointsEntry.objects.filter(kind=EntryKind.OPENING_BALANCE).count() == 3


def test_the_preview_names_each_refused_row(manager_page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nAnn,Lee,555-12,,,,,\nBea,Ray,,,,(212) 555-0177,,\n")
    open_import(manager_page)
    manager_page.set_input_files("#id_import_file", str(bad))
    manager_page.click("input[type=submit][value=Submit]")
    errors = manager_page.locator("table.import-preview")
    expect(errors).to_contain_text("Enter a valid mobile phone number.")
    expect(errors).to_contain_text("No client has this phone")
    expect(manager_page.locator("input[value='Confirm import']")).to_have_count(0)
