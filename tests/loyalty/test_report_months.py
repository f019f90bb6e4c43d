"""The report's months that are over, summed once (R81, P7): the same figures as the entries
give, to the point, whatever was summed; a month is summed only a day after it ends."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from loyalty.ledger_months import ledger_months_summarise
from loyalty.models import EntryKind, LedgerMonth
from loyalty.reports import loyalty_report, report_period
from tests.clients.factories import ClientFactory
from tests.loyalty.test_reports import SERVICE, local, post
from tests.loyalty.test_reports import history as known_history  # noqa: F401  (the fixture)

PERIODS = [
    ("2026-01-01", "2026-03-31"),  # whole months, all summed
    ("2026-01-15", "2026-03-15"),  # ends inside a summed month: its part read live
    ("2025-12-01", "2026-04-04"),  # runs into the open month
    ("2026-03-01", "2026-03-31"),  # the month with the entry on hold across its end
    ("2025-01-01", "2025-11-30"),  # before the first entry
    ("2026-04-01", "2026-12-31"),  # after the last month summed
]


def reports() -> list[dict]:
    return [loyalty_report(period=report_period(start=a, end=b)) for a, b in PERIODS]


def live_reports() -> list[dict]:
    """The same reports from the entries alone (no month summed): today's figures."""
    summed = list(LedgerMonth.objects.values())
    LedgerMonth.objects.all().delete()
    try:
        return reports()
    finally:
        LedgerMonth.objects.bulk_create([LedgerMonth(**row) for row in summed])


@pytest.mark.usefixtures("known_history")
def test_summed_months_give_the_figures_the_entries_give():  # R81, R14
    live = reports()
    assert ledger_months_summarise() == 11  # December to March; April is not over
    assert sorted(LedgerMonth.objects.values_list("month", "kind", "points")) == [
        (date(2025, 12, 1), "earn", 1000),
        (date(2026, 1, 1), "earn", 500),
        (date(2026, 1, 1), "redeem", -300),
        (date(2026, 1, 1), "redeem_reversal", 100),
        (date(2026, 2, 1), "adjustment", -20),
        (date(2026, 2, 1), "earn", 200),
        (date(2026, 2, 1), "manual", -40),
        (date(2026, 2, 1), "referral_earn", 50),
        (date(2026, 3, 1), "earn", 70),
        (date(2026, 3, 1), "expire", -100),
        (date(2026, 3, 1), "manual", 700),
    ]
    assert reports() == live


@pytest.mark.usefixtures("known_history")
def test_a_past_period_with_entries_after_it(time_machine):  # R81
    ledger_months_summarise()
    time_machine.move_to(local(2026, 6, 10, 9), tick=False)
    ann, bea = ClientFactory(first_name="Ann2"), ClientFactory(first_name="Bea2")
    post(ann, 40, EntryKind.EARN, local(2026, 4, 20, 12), action=SERVICE)
    post(bea, -10, EntryKind.MANUAL, local(2026, 5, 31, 23, 59))
    post(bea, 25, EntryKind.EARN, local(2026, 6, 9, 12), action=SERVICE)
    before = live_reports()
    assert ledger_months_summarise() > 0  # April and May now
    assert LedgerMonth.objects.latest("month").month == date(2026, 5, 1)
    assert reports() == before
    may = loyalty_report(period=report_period(start="2026-05-01", end="2026-05-31"))
    assert may["months"][0]["adjusted"] == -10
    assert may["liability"]["points"] == 2160 + 999 + 40 - 10


def test_entries_exactly_at_month_boundaries(db, time_machine):  # R81: local months
    time_machine.move_to(local(2026, 1, 10, 9), tick=False)
    customer = ClientFactory()
    last_instant_of_january = local(2026, 2, 1) - timedelta(microseconds=1)
    post(customer, 100, EntryKind.MANUAL, local(2026, 1, 1))
    post(customer, 20, EntryKind.MANUAL, last_instant_of_january)
    post(customer, 3, EntryKind.MANUAL, local(2026, 2, 1))
    post(customer, 4, EntryKind.MANUAL, local(2026, 3, 1))
    time_machine.move_to(local(2026, 3, 5, 9), tick=False)
    live = loyalty_report(period=report_period(start="2026-01-01", end="2026-03-31"))
    ledger_months_summarise()
    assert sorted(LedgerMonth.objects.values_list("month", "points")) == [
        (date(2026, 1, 1), 120),
        (date(2026, 2, 1), 3),
    ]
    report = loyalty_report(period=report_period(start="2026-01-01", end="2026-03-31"))
    assert report == live
    assert [row["adjusted"] for row in report["months"]] == [120, 3, 4]
    assert [row["outstanding_points"] for row in report["months"]] == [120, 123, 127]


def test_a_month_is_summed_a_day_after_it_ends(db, time_machine):  # R81: the margin
    time_machine.move_to(local(2026, 4, 30, 23, 59), tick=False)
    customer = ClientFactory()
    post(customer, 50, EntryKind.MANUAL, local(2026, 3, 31, 23, 59))
    time_machine.move_to(local(2026, 5, 1, 23, 0), tick=False)
    assert ledger_months_summarise() == 1  # March only: April ended less than a day ago
    # A write that took its time before midnight and committed after it.
    post(customer, 7, EntryKind.MANUAL, local(2026, 4, 30, 23, 59))
    april = report_period(start="2026-04-01", end="2026-04-30")
    assert loyalty_report(period=april)["months"][0]["adjusted"] == 7
    time_machine.move_to(local(2026, 5, 2, 0, 1), tick=False)
    assert ledger_months_summarise() == 1  # April
    assert ledger_months_summarise() == 0  # once
    assert LedgerMonth.objects.get(month=date(2026, 4, 1)).points == 7
    assert loyalty_report(period=april)["months"][0]["adjusted"] == 7
    assert loyalty_report(period=april)["liability"]["points"] == 57


def test_on_hold_across_the_end_of_a_summed_month_with_nothing_after(db, time_machine):
    # R81, R15: no entry follows the summed months, so the on-hold figure comes with them.
    time_machine.move_to(local(2026, 3, 31, 20), tick=False)
    customer = ClientFactory()
    post(customer, 100, EntryKind.MANUAL, local(2026, 3, 2, 12))
    post(
        customer,
        30,
        EntryKind.EARN,
        local(2026, 3, 31, 20),
        action=SERVICE,
        available_at=local(2026, 4, 14, 20),
    )
    time_machine.move_to(local(2026, 4, 3, 9), tick=False)
    ledger_months_summarise()
    assert LedgerMonth.objects.filter(month=date(2026, 3, 1)).exists()
    assert loyalty_report(period=report_period(start="2026-03-01", end="2026-03-31"))[
        "liability"
    ] == {"pending_points": 30, "redeemable_points": 100, "points": 130, "value": Decimal("1.30")}


def test_ledger_check_finds_an_entry_posted_into_a_summed_month(db, time_machine, capsys):
    # R81, R14: months are summed once because no writer posts into the past.
    time_machine.move_to(local(2026, 3, 5, 9), tick=False)
    customer = ClientFactory()
    post(customer, 100, EntryKind.MANUAL, local(2026, 1, 10, 12))
    post(customer, -40, EntryKind.MANUAL, local(2026, 2, 10, 12))
    ledger_months_summarise()
    call_command("ledger_check")
    post(customer, 5, EntryKind.MANUAL, local(2026, 2, 28, 12))  # backdated: a bug
    with pytest.raises(CommandError):
        call_command("ledger_check")
    assert "Month 2026-02, manual : summed -40 but entries sum to -35" in capsys.readouterr().err


@pytest.mark.usefixtures("known_history")
def test_the_job_as_a_command(capsys):  # R81
    call_command("sum_ledger_months")
    assert "Wrote" in capsys.readouterr().out
    call_command("sum_ledger_months")
    assert "Wrote 0 " in capsys.readouterr().out


@pytest.mark.usefixtures("known_history")
def test_the_report_runs_a_constant_number_of_queries_summed_or_not(
    django_assert_num_queries,
):  # R81
    for _ in range(2):
        with django_assert_num_queries(11):
            loyalty_report(period=report_period(start="2025-01-01", end="2026-12-31"))
        ledger_months_summarise()


def test_expiring_leaves_out_what_a_debt_will_take(db, time_machine):  # R81, R52
    time_machine.move_to(local(2026, 3, 1, 9), tick=False)
    owes, other = ClientFactory(), ClientFactory()
    post(owes, -40, EntryKind.MANUAL, local(2026, 3, 1, 9))  # no lot: a debt of 40
    post(owes, 100, EntryKind.MANUAL, local(2026, 3, 2, 9), expires_on=date(2026, 4, 20))
    post(owes, 30, EntryKind.MANUAL, local(2026, 3, 3, 9), expires_on=date(2026, 5, 20))
    post(other, 500, EntryKind.MANUAL, local(2026, 3, 3, 9), expires_on=date(2026, 4, 25))
    time_machine.move_to(local(2026, 3, 10, 9), tick=False)
    report = loyalty_report(period=report_period(start="2026-03-01", end="2026-03-31"))
    # The debt is paid from the first-expiring lot: 60 of its 100 are left to expire.
    assert report["expiring"] == {"30": 560, "60": 590, "90": 590}
    assert report["liability"]["points"] == 590


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_closes_never_make_the_figures_disagree(time_machine):  # R81, R15
    """Points posted on hold while reports are read: each report counts each one in both
    the period's points and the on-hold figure, or in neither (one snapshot)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent transactions")
    time_machine.move_to(local(2026, 3, 10, 9), tick=True)
    customer = ClientFactory()
    post(customer, 500, EntryKind.MANUAL, local(2026, 2, 2, 12))
    ledger_months_summarise()
    period = report_period(start="2026-02-01", end="2026-03-31")
    done = threading.Event()

    def close_tickets():
        try:
            for number in range(40):
                at = local(2026, 3, 10, 10, 0, number)
                post(
                    customer,
                    10,
                    EntryKind.EARN,
                    at,
                    action=SERVICE,
                    available_at=at + timedelta(days=30),
                )
        finally:
            done.set()
            connection.close()

    writer = threading.Thread(target=close_tickets)
    writer.start()
    seen = set()
    while not done.is_set():
        liability = loyalty_report(period=period)["liability"]
        assert liability["redeemable_points"] == 500
        seen.add(liability["pending_points"])
    writer.join()
    assert loyalty_report(period=period)["liability"]["pending_points"] == 400
    assert len(seen) > 1  # the reports did run while the points were posted
