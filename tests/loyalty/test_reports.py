"""The owner's loyalty report (R81) against a known history, to the point and the cent."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import transaction

from loyalty import ledger
from loyalty.errors import (
    ReportDateInvalid,
    ReportDateMissing,
    ReportPeriodReversed,
    ReportPeriodTooLong,
    ReportTableUnknown,
)
from loyalty.models import EntryKind, PointsEntry
from loyalty.reports import loyalty_report, report_csv, report_period
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import closed_ticket

SERVICE = "service_purchase"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(settings.TIME_ZONE))


def post(customer, points, kind, at, *, action="", available_at=None, expires_on=None):
    """One entry through the ledger writer (the only writer, R14), a debit drawing its lots."""
    entry = PointsEntry(
        client=customer,
        points=points,
        kind=kind,
        action=action,
        created_at=at,
        available_at=available_at or at,
        idempotency_key=f"test:{customer.pk}:{kind}:{at.isoformat()}:{points}",
        expires_on=expires_on,
    )
    entry.expiry_fixed = True
    with transaction.atomic():
        ledger.balances_lock([customer.pk])
        if points < 0:
            ledger.debit_plan(entry, now=at)
        ledger.entries_post([entry], expiry_days=None)


@pytest.fixture
def history(db, time_machine):
    """A referrer Ann, Bea whom she referred in February, and Cal with points expiring soon."""
    time_machine.move_to(local(2025, 11, 1, 9), tick=False)
    ann = ClientFactory(first_name="Ann", last_name="Lee")
    cal = ClientFactory(first_name="Cal", last_name="Moss")
    post(ann, 1000, EntryKind.EARN, local(2025, 12, 15, 12), action=SERVICE)  # before the period
    post(ann, 500, EntryKind.EARN, local(2026, 1, 10, 12), action=SERVICE)
    post(ann, -300, EntryKind.REDEEM, local(2026, 1, 20, 12))
    post(ann, 100, EntryKind.REDEEM_REVERSAL, local(2026, 1, 21, 12))
    time_machine.move_to(local(2026, 2, 5, 10), tick=False)
    bea = ClientFactory(first_name="Bea", last_name="Ray", referred_by=ann)
    closed_ticket(customer=bea, lines=[("service", Decimal("80.00"))], now=local(2026, 2, 6, 12))
    post(bea, 200, EntryKind.EARN, local(2026, 2, 6, 12), action=SERVICE)
    post(ann, 50, EntryKind.REFERRAL_EARN, local(2026, 2, 6, 12), action=SERVICE)
    post(ann, -40, EntryKind.MANUAL, local(2026, 2, 10, 12))
    post(bea, -20, EntryKind.ADJUSTMENT, local(2026, 2, 10, 13))
    post(ann, -100, EntryKind.EXPIRE, local(2026, 3, 1, 0, 30))
    post(cal, 300, EntryKind.MANUAL, local(2026, 3, 15, 12), expires_on=date(2026, 4, 20))
    post(cal, 400, EntryKind.MANUAL, local(2026, 3, 16, 12), expires_on=date(2026, 6, 15))
    # Closed at 8 PM on the period's last day: still on hold at its end (R15).
    post(
        bea,
        70,
        EntryKind.EARN,
        local(2026, 3, 31, 20),
        action=SERVICE,
        available_at=local(2026, 4, 1, 20),
    )
    post(ann, 999, EntryKind.EARN, local(2026, 4, 2, 12), action=SERVICE)  # after the period
    time_machine.move_to(local(2026, 4, 5, 9), tick=False)
    return {"ann": ann, "bea": bea, "cal": cal}


def first_quarter():
    return report_period(start="2026-01-01", end="2026-03-31")


def test_months_issued_redeemed_expired_adjusted(history):  # R81
    report = loyalty_report(period=first_quarter())
    assert report["months"] == [
        {
            "month": "2026-01",
            "issued": {SERVICE: 500},
            "issued_total": 500,
            "redeemed": 200,
            "expired": 0,
            "adjusted": 0,
            "outstanding_points": 1300,
        },
        {
            "month": "2026-02",
            "issued": {SERVICE: 250},
            "issued_total": 250,
            "redeemed": 0,
            "expired": 0,
            "adjusted": -60,
            "outstanding_points": 1490,
        },
        {
            "month": "2026-03",
            "issued": {SERVICE: 70},
            "issued_total": 70,
            "redeemed": 0,
            "expired": 100,
            "adjusted": 700,
            "outstanding_points": 2160,
        },
    ]


def test_liability_at_the_end_of_the_period(history):  # R81, R15
    report = loyalty_report(period=first_quarter())
    assert report["liability"] == {
        "pending_points": 70,
        "redeemable_points": 2090,
        "points": 2160,
        "value": Decimal("21.60"),
    }


def test_expiring_in_30_60_90_days_after_the_period(history):  # R81, R51
    assert loyalty_report(period=first_quarter())["expiring"] == {"30": 300, "60": 300, "90": 700}


def test_referrals_and_top_referrers(history):  # R81
    report = loyalty_report(period=first_quarter())
    assert report["referrals"] == {
        "new_referred_clients": 1,
        "with_first_ticket": 1,
        "sales": Decimal("80.00"),
    }
    assert report["top_referrers"] == [
        {"client": history["ann"].pk, "name": "Ann Lee", "referred": 1, "points": 50}
    ]


def test_a_period_before_the_referral_has_none(history):  # R81
    report = loyalty_report(period=report_period(start="2026-01-01", end="2026-01-31"))
    assert report["referrals"] == {
        "new_referred_clients": 0,
        "with_first_ticket": 0,
        "sales": Decimal("0.00"),
    }
    assert report["top_referrers"] == []
    assert report["liability"]["points"] == 1300


def test_the_report_runs_a_constant_number_of_queries(history, django_assert_num_queries):
    # R81: aggregated in the database, whatever the length of the ledger or the period.
    # 11 since P7's second pass: the ledger's summed months, then the entries after them;
    # the tiers' active clients counted apart; the lots of clients who owe points.
    with django_assert_num_queries(11):
        loyalty_report(period=first_quarter())
    with django_assert_num_queries(11):
        loyalty_report(period=report_period(start="2025-01-01", end="2026-12-31"))


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [
        (None, "2026-03-31", ReportDateMissing),
        ("2026-01-01", "", ReportDateMissing),
        ("2026-13-01", "2026-03-31", ReportDateInvalid),
        ("yesterday", "2026-03-31", ReportDateInvalid),
        ("2026-04-01", "2026-03-31", ReportPeriodReversed),
        # Found by fuzzing on PostgreSQL: year 1 and 9999 overflowed (500), and 543 years of
        # months asked for more columns than a query may have (503).
        ("0001-01-01", "2026-03-31", ReportDateInvalid),
        ("2026-01-01", "9999-12-31", ReportDateInvalid),
        ("0175-07-05", "0718-08-25", ReportDateInvalid),
        ("2016-01-01", "2026-01-31", ReportPeriodTooLong),
    ],
)
def test_bad_periods_are_refused_by_code(start, end, error):  # R81, R71
    with pytest.raises(error) as refused:
        report_period(start=start, end=end)
    assert refused.value.code == error.code


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_ten_years_is_the_longest_report():  # R81
    period = report_period(start="2016-02-01", end="2026-01-31")
    assert (period.start, period.end) == (date(2016, 2, 1), date(2026, 1, 31))
    edges = (
        report_period(start="1900-01-01", end="1900-01-31"),
        report_period(start="2999-12-01", end="2999-12-31"),
    )
    assert [(p.start, p.end) for p in edges] == [
        (date(1900, 1, 1), date(1900, 1, 31)),
        (date(2999, 12, 1), date(2999, 12, 31)),
    ]


def test_months_as_csv_one_column_per_action(history):  # R81, SPEC §18
    report = loyalty_report(period=first_quarter())
    assert rows_of(report_csv(report=report, table="months")) == [
        [
            "month",
            f"issued_{SERVICE}",
            "issued_total",
            "redeemed",
            "expired",
            "adjusted",
            "outstanding_points",
        ],
        ["2026-01", "500", "500", "200", "0", "0", "1300"],
        ["2026-02", "250", "250", "0", "0", "-60", "1490"],
        ["2026-03", "70", "70", "0", "100", "700", "2160"],
    ]


def test_one_row_tables_as_csv(history):  # SPEC §18
    report = loyalty_report(period=first_quarter())
    assert rows_of(report_csv(report=report, table="liability")) == [
        ["pending_points", "redeemable_points", "points", "value"],
        ["70", "2090", "2160", "21.60"],
    ]
    assert rows_of(report_csv(report=report, table="expiring")) == [
        ["30", "60", "90"],
        ["300", "300", "700"],
    ]
    assert rows_of(report_csv(report=report, table="referrals")) == [
        ["new_referred_clients", "with_first_ticket", "sales"],
        ["1", "1", "80.00"],
    ]


def test_an_unknown_table_is_refused(history):
    with pytest.raises(ReportTableUnknown) as refused:
        report_csv(report=loyalty_report(period=first_quarter()), table="nope")
    assert refused.value.code == "report_table_unknown"


# --- the API ---------------------------------------------------------------------------------

URL = "/api/v1/reports/loyalty/"


def test_api_answers_the_report_in_the_spec_shape(history, manager_api):  # R81, SPEC §18
    response = manager_api.get(URL, {"from": "2026-01-01", "to": "2026-03-31"})
    assert response.status_code == 200
    body = response.json()
    assert body["from"] == "2026-01-01" and body["to"] == "2026-03-31"
    assert body["months"][1] == {
        "month": "2026-02",
        "issued": {SERVICE: 250},
        "issued_total": 250,
        "redeemed": 0,
        "expired": 0,
        "adjusted": -60,
        "outstanding_points": 1490,
    }
    assert body["liability"] == {
        "pending_points": 70,
        "redeemable_points": 2090,
        "points": 2160,
        "value": "21.60",
    }
    assert body["expiring"] == {"30": 300, "60": 300, "90": 700}
    assert body["referrals"]["sales"] == "80.00"
    assert body["top_referrers"][0]["points"] == 50


def test_api_answers_a_table_as_csv(history, manager_api):  # R81
    response = manager_api.get(
        URL, {"from": "2026-01-01", "to": "2026-03-31", "format": "csv", "table": "top_referrers"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert rows_of(response.content.decode()) == [
        ["client", "name", "referred", "points"],
        [str(history["ann"].pk), "Ann Lee", "1", "50"],
    ]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"to": "2026-03-31"}, "report_date_required"),
        ({"from": "2026-02-30", "to": "2026-03-31"}, "report_date_invalid"),
        ({"from": "2026-04-01", "to": "2026-03-31"}, "report_period_reversed"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "report_date_invalid"),
        ({"from": "1900-01-01", "to": "2999-12-31"}, "report_period_too_long"),
        (
            {"from": "2026-01-01", "to": "2026-03-31", "format": "csv", "table": "nope"},
            "report_table_unknown",
        ),
        ({"from": "2026-01-01", "to": "2026-03-31", "format": "xml"}, "report_format_unknown"),
    ],
)
def test_api_refuses_bad_input_with_a_code(db, manager_api, query, code):  # R81, R71
    response = manager_api.get(URL, query)
    assert response.status_code == 400
    assert response.json()["code"] == code


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("2016-02-01", "2026-01-31", 120),
        ("1900-01-01", "1900-01-31", 1),
        ("2999-12-01", "2999-12-31", 1),
    ],
)
def test_api_answers_the_longest_and_the_edge_periods(db, manager_api, start, end, months):  # R81
    response = manager_api.get(URL, {"from": start, "to": end})
    assert response.status_code == 200
    assert len(response.json()["months"]) == months


def test_only_a_manager_reads_the_report(db, front_desk_api, anonymous_api):  # SPEC §10
    query = {"from": "2026-01-01", "to": "2026-03-31"}
    assert front_desk_api.get(URL, query).status_code == 403
    assert anonymous_api.get(URL, query).status_code in (401, 403)


def test_the_period_is_whole_local_days():  # R81
    period = report_period(start="2026-03-01", end="2026-03-31")
    # New York: midnight is 05:00 UTC before the change to summer time, 04:00 after it.
    assert period.starts_at.astimezone(UTC) == datetime(2026, 3, 1, 5, tzinfo=UTC)
    assert period.ends_at.astimezone(UTC) == datetime(2026, 4, 1, 4, tzinfo=UTC)
