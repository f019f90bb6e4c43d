"""Moving in through admin (R82): the Clients list's Import button, its preview and its
confirmation (Manager only, SPEC §10); the CSV exports of clients and of the ledger; the
`import_clients` command."""

import csv
import io
import re
from pathlib import Path

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from clients.models import Client
from frontdesk.moving_in_resources import (
    ClientExportResource,
    ClientMoveInResource,
    LedgerExportResource,
)
from loyalty.adjustments import points_adjust
from loyalty.models import EntryKind, PointsEntry
from tests.clients.factories import ClientFactory
from tests.frontdesk.test_moving_in import GOOD_FILE, HEADER

pytestmark = pytest.mark.django_db

IMPORT = "/admin/clients/client/import/"
CONFIRM = "/admin/clients/client/process_import/"


def upload(client, text: str):
    return client.post(
        IMPORT,
        {"format": "0", "import_file": SimpleUploadedFile("old-salon.csv", text.encode())},
    )


def test_the_import_preview_then_confirm(client, manager):  # R82
    ClientFactory(first_name="Eve", last_name="Old", phone="+12025550199")
    client.force_login(manager)
    assert "Import" in client.get("/admin/clients/client/").content.decode()
    preview = upload(client, GOOD_FILE)
    page = preview.content.decode()
    assert preview.status_code == 200
    assert page.count('class="new"') == 4 and "(202) 555-0101" in page and "Ann" in page
    assert Client.objects.count() == 1  # the preview changed nothing
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    confirm = {name: fields[name] for name in ("import_file_name", "original_file_name", "format")}
    response = client.post(CONFIRM, {**confirm, "resource": fields.get("resource", "")})
    assert response.status_code == 302
    assert Client.objects.count() == 5
    assert PointsEntry.objects.filter(kind=EntryKind.OPENING_BALANCE).count() == 3
    again = upload(client, GOOD_FILE).content.decode()
    assert again.count('class="skip"') == 4


def test_the_preview_lists_each_refused_row_in_plain_english(client, manager):  # R82
    client.force_login(manager)
    page = upload(client, f"{HEADER}\nAnn,Lee,555-12,,,,,\nBea,Ray,,,,(202) 555-0177,,\n")
    text = page.content.decode()
    assert "Some rows failed to validate" in text
    assert "Enter a valid mobile phone number." in text
    assert "No client has this phone, in the salon or on an earlier row of the file." in text
    assert "import_file_name" not in text  # nothing to confirm
    assert Client.objects.count() == 0


def test_a_file_with_unknown_columns_is_refused_whole(client, manager):  # R82
    client.force_login(manager)
    text = upload(client, "first_name,last_name,phnoe\nAnn,Lee,1\n").content.decode()
    assert "columns the import doesn&#x27;t know: phnoe" in text
    assert "Traceback" not in text


def test_the_front_desk_neither_imports_nor_exports(client, front_desk):  # SPEC §10
    client.force_login(front_desk)
    page = client.get("/admin/clients/client/").content.decode()
    assert 'href="/admin/clients/client/import/"' not in page
    assert client.get(IMPORT).status_code == 403
    assert client.get("/admin/clients/client/export/").status_code == 403
    assert client.get("/admin/loyalty/pointsentry/export/").status_code == 403


def test_clients_export_with_the_import_columns_and_their_points(manager):  # R82
    ann = ClientFactory(first_name="Ann", last_name="Lee", phone="+12025550101")
    ClientFactory(first_name="Bea", last_name="Ray", phone="+12025550102", referred_by=ann)
    points_adjust(client=ann, points=250, reason="Moved in", user=manager)
    rows = list(csv.DictReader(io.StringIO(ClientExportResource().export().csv)))
    assert [
        (row["first_name"], row["phone"], row["referred_by_phone"], row["points"]) for row in rows
    ] == [("Ann", "(202) 555-0101", "", "250"), ("Bea", "(202) 555-0102", "(202) 555-0101", "0")]
    # What the salon exports imports elsewhere: the import's columns are all there.
    assert set(HEADER.split(",")) - {"opening_points", "points_expire_on"} <= set(rows[0])


def test_ledger_export_one_entry_per_line(manager):  # R82, R14
    ann = ClientFactory(first_name="Ann", last_name="Lee")
    points_adjust(client=ann, points=250, reason="Moved in", user=manager)
    rows = list(csv.DictReader(io.StringIO(LedgerExportResource().export().csv)))
    assert [(row["client_name"], row["points"], row["kind"], row["memo"]) for row in rows] == [
        ("Ann Lee", "250", "Manual adjustment", "Moved in")
    ]


def test_the_manager_exports_the_ledger_from_admin(client, manager):  # R82
    client.force_login(manager)
    assert client.get("/admin/loyalty/pointsentry/export/").status_code == 200
    assert client.get("/admin/clients/client/export/").status_code == 200


def test_the_command_is_a_dry_run_unless_told_to_apply(tmp_path):  # R82
    file = tmp_path / "clients.csv"
    file.write_text(f"{HEADER}\nAnn,Lee,(202) 555-0101,,,,100,\n")
    out, progress = io.StringIO(), io.StringIO()
    call_command("import_clients", str(file), stdout=out, stderr=progress)
    assert Client.objects.count() == 0
    assert "Dry run, nothing written: 1 new" in out.getvalue()
    assert "1 of 1 rows" in progress.getvalue()
    call_command("import_clients", str(file), "--apply", stdout=out, stderr=progress)
    assert Client.objects.get().first_name == "Ann"
    call_command("import_clients", str(file), "--apply", stdout=out, stderr=progress)
    assert "0 new, 0 opening balances for clients already here, 1 unchanged" in out.getvalue()
    assert PointsEntry.objects.count() == 1


def test_the_command_lists_refused_rows_and_writes_nothing(tmp_path):  # R82
    file = tmp_path / "clients.csv"
    file.write_text(f"{HEADER}\nAnn,Lee,(202) 555-0101,,,,100,\nBob,Kay,555-12,,,,,\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_clients", str(file), "--apply", stdout=out, stderr=io.StringIO())
    assert "Row 2, phone: Enter a valid mobile phone number." in out.getvalue()
    assert Client.objects.count() == 0


def test_example_file_in_the_docs_imports(manager):  # docs/moving-in.md
    text = (Path(__file__).resolve().parents[2] / "docs" / "moving-in-example.csv").read_text()
    result = ClientMoveInResource().import_data(
        tablib.Dataset().load(text, format="csv"), dry_run=True, user=manager
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == len(text.strip().splitlines()) - 1
