"""Moving in from another system (R82): a CSV of clients checked row by row in a dry run
that changes nothing, then applied once: clients, referrers, `opening_balance` entries."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import tablib
from django.conf import settings

from clients.models import Client
from frontdesk.moving_in_resources import ClientMoveInResource
from loyalty.models import EntryKind, PointsEntry, PointsLot
from loyalty.reports import loyalty_report, report_period
from loyalty.rewards_box import client_points_balance
from tests.clients.factories import ClientFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "first_name,last_name,phone,email,birthday,referred_by_phone,opening_points,points_expire_on"
)
GOOD_FILE = f"""{HEADER}
Ann,Lee,(202) 555-0101,ann@example.com,1990-03-12,,1200,2027-06-30
Bea,Ray,202.555.0102,,,(202) 555-0101,300,
Cal,Moss,+1 202 555 0103,cal@example.com,,(202) 555-0199,,
Dee,Fox,,dee@example.com,,,50,
"""


def local(*args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(local(2026, 11, 30, 10), tick=False)


@pytest.fixture
def eve(db):
    """A client the salon already has, named as a referrer by the file."""
    return ClientFactory(first_name="Eve", last_name="Old", phone="+12025550199")


def dataset(text: str) -> tablib.Dataset:
    return tablib.Dataset().load(text, format="csv")


def run(text: str, *, dry_run: bool, user=None, progress=None):
    resource = ClientMoveInResource(progress=progress)
    return resource.import_data(dataset(text), dry_run=dry_run, user=user)


def refusals(result) -> dict[int, dict[str, list[str]]]:
    """Row number -> column -> the codes of the rules it breaks."""
    return {
        row.number: {
            column: [error.code for error in errors]
            for column, errors in row.error.error_dict.items()
        }
        for row in result.invalid_rows
    }


def ledger_state():
    return Client.objects.count(), PointsEntry.objects.count(), PointsLot.objects.count()


def test_a_dry_run_lists_each_rows_errors_by_row_and_changes_nothing(eve):  # R82
    before = ledger_state()
    result = run(
        f"""{HEADER}
Ann,Lee,(202) 555-0101,,,,100,
Bob,Kay,555-12,,,,,
Cat,Lin,(202) 555-0101,,,,,
Dan,Ng,(202) 555-0104,,,(202) 555-0177,,
""",
        dry_run=True,
    )
    assert refusals(result) == {
        2: {"phone": ["invalid_phone"]},
        3: {"phone": ["import_phone_repeated"]},
        4: {"referred_by_phone": ["import_referrer_unknown"]},
    }
    assert [row.import_type for row in result.valid_rows()] == ["new"]
    assert ledger_state() == before


def test_the_preview_of_a_good_file_shows_what_each_row_will_do(eve):  # R82
    before = ledger_state()
    result = run(GOOD_FILE, dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["new"] * 4
    assert result.totals["new"] == 4
    assert ledger_state() == before


def test_applying_creates_clients_referrers_and_opening_balances_once(eve, manager):  # R82
    result = run(GOOD_FILE, dry_run=False, user=manager)
    assert not result.has_errors() and not result.has_validation_errors()
    ann = Client.objects.get(phone="+12025550101")
    bea = Client.objects.get(phone="+12025550102")
    cal = Client.objects.get(phone="+12025550103")
    dee = Client.objects.get(first_name="Dee")
    assert (ann.email, ann.birthday, ann.created_by) == (
        "ann@example.com",
        date(1990, 3, 12),
        manager,
    )
    assert bea.referred_by == ann  # an earlier row of the same file
    assert cal.referred_by == eve  # a client already in the salon
    assert dee.phone is None
    openings = PointsEntry.objects.filter(kind=EntryKind.OPENING_BALANCE).order_by("client_id")
    assert [(entry.client, entry.points, entry.expires_on) for entry in openings] == [
        (ann, 1200, date(2027, 6, 30)),
        (bea, 300, None),  # no date: the policy's (never, by default)
        (dee, 50, None),
    ]
    # Redeemable at once (R82), with a lot for R51's expiry.
    assert client_points_balance(client=ann).redeemable == 1200
    assert PointsLot.objects.get(entry__client=ann).expires_on == date(2027, 6, 30)

    after = ledger_state()
    again = run(GOOD_FILE, dry_run=False, user=manager)
    assert [row.import_type for row in again.rows] == ["skip"] * 4
    assert ledger_state() == after


def test_a_client_already_here_gets_their_opening_balance_once(manager):  # R82, R13
    ann = ClientFactory(first_name="ann", last_name="LEE", phone="+12025550101")
    text = f"{HEADER}\nAnn,Lee,(202) 555-0101,,,,400,\n"
    assert [row.import_type for row in run(text, dry_run=False, user=manager).rows] == ["update"]
    assert Client.objects.count() == 1
    assert client_points_balance(client=ann).redeemable == 400
    assert [row.import_type for row in run(text, dry_run=False, user=manager).rows] == ["skip"]
    assert PointsEntry.objects.filter(client=ann).count() == 1


def test_a_phone_held_by_someone_else_is_refused(db):  # R82, R24
    ClientFactory(first_name="Zoe", last_name="Park", phone="+12025550101")
    result = run(f"{HEADER}\nAnn,Lee,(202) 555-0101,,,,,\n", dry_run=True)
    assert refusals(result) == {1: {"phone": ["phone_taken"]}}
    message = result.invalid_rows[0].error.error_dict["phone"][0].message
    assert "Zoe Park" in message and "+1" not in message


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (",Lee,,,,,,", {"first_name": ["blank"]}),
        ("Ann,Lee,,not-an-email,,,,", {"email": ["import_email_invalid"]}),
        ("Ann,Lee,,,12/03/1990,,,", {"birthday": ["import_date_invalid"]}),
        ("Ann,Lee,,,2030-01-01,,,", {"birthday": ["birthday_in_future"]}),
        ("Ann,Lee,,,,,12.5,", {"opening_points": ["import_points_invalid"]}),
        ("Ann,Lee,,,,,-5,", {"opening_points": ["import_points_invalid"]}),
        ("Ann,Lee,,,,,100,2026-11-29", {"points_expire_on": ["expiry_date_in_past"]}),
        ("Ann,Lee,,,,,,2027-01-01", {"opening_points": ["import_expiry_without_points"]}),
        ("Ann,Lee,,,,,100,soon", {"points_expire_on": ["import_date_invalid"]}),
        (
            "Ann,Lee,(202) 555-0101,,,(202) 555-0101,,",
            {"referred_by_phone": ["self_referral"]},
        ),
    ],
)
def test_each_broken_rule_is_named_by_its_code(db, cells, expected):  # R82, R71
    assert refusals(run(f"{HEADER}\n{cells}\n", dry_run=True)) == {1: expected}


def test_a_referrer_further_down_the_file_is_refused_with_its_row(db):  # R82
    result = run(
        f"{HEADER}\nBea,Ray,(202) 555-0102,,,(202) 555-0101,,\nAnn,Lee,(202) 555-0101,,,,,\n",
        dry_run=True,
    )
    assert refusals(result) == {1: {"referred_by_phone": ["import_referrer_below"]}}
    assert "row 2" in result.invalid_rows[0].error.error_dict["referred_by_phone"][0].message


def test_unknown_columns_refuse_the_whole_file(db):  # R82
    result = run("first_name,last_name,phnoe\nAnn,Lee,(202) 555-0101\n", dry_run=True)
    assert result.has_errors()
    assert [error.error.code for error in result.base_errors] == ["import_columns_unknown"]
    assert result.rows == [] and Client.objects.count() == 0


def test_only_names_are_required_columns(manager):  # R82: the other columns may be left out
    result = run("last_name,first_name\nLee,Ann\n", dry_run=False, user=manager)
    assert [row.import_type for row in result.rows] == ["new"]
    assert Client.objects.get().first_name == "Ann"


def test_a_client_without_a_phone_is_found_again_by_name_and_email(manager):  # R82
    text = f"{HEADER}\nDee,Fox,,dee@example.com,,,50,\n"
    run(text, dry_run=False, user=manager)
    again = run(text.replace("Dee,Fox", "DEE,fox"), dry_run=False, user=manager)
    assert [row.import_type for row in again.rows] == ["skip"]
    assert Client.objects.count() == 1


def test_the_front_desk_may_not_import(front_desk):  # SPEC §10
    result = run(f"{HEADER}\nAnn,Lee,,,,,,\n", dry_run=False, user=front_desk)
    assert [error.error.code for error in result.base_errors] == ["permission_denied"]
    assert result.rows == [] and Client.objects.count() == 0


def test_progress_is_told_after_each_row(manager):  # R82: the command prints it
    told = []
    run(GOOD_FILE, dry_run=True, progress=lambda done, total: told.append((done, total)))
    assert told == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_the_report_counts_opening_balances_as_issued(eve, manager):  # R81, R82
    run(GOOD_FILE, dry_run=False, user=manager)
    report = loyalty_report(period=report_period(start="2026-11-01", end="2026-11-30"))
    assert report["months"][0]["issued"] == {"opening_balance": 1550}
    assert report["liability"]["redeemable_points"] == 1550
