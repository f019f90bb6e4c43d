"""Lots, their dates and which lots a debit draws from (R51-R54): the pure rules, with the
dates written out, without a database. The salon's zone is America/New_York."""

from datetime import UTC, date, datetime, timedelta

from loyalty.lots import (
    LotView,
    draw,
    expiry_sort_key,
    fifo_key,
    is_past_date,
    local_date,
    lot_expires_on,
    points_by_date_after_debt,
    redemption_draw_order,
    shortfall_draw_order,
)

NOW = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)  # noon in New York
TODAY = date(2026, 6, 1)


def lot(id, remaining, expires_on=None, *, available=None, created=None):
    return LotView(
        id=id,
        remaining=remaining,
        expires_on=expires_on,
        available_at=available or NOW - timedelta(days=1),
        created_at=created or datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=id),
    )


def test_r51_earned_3_march_with_90_days_expires_on_1_june():
    posted = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    assert lot_expires_on(posted_at=posted, expiry_days=90) == date(2026, 6, 1)
    assert lot_expires_on(posted_at=posted, expiry_days=0) == date(2026, 3, 3)
    assert lot_expires_on(posted_at=posted, expiry_days=None) is None


def test_r51_the_date_is_the_salons_local_date_of_posting():
    # 02:00 UTC on 4 March is 21:00 on 3 March in New York
    late = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    assert local_date(late) == date(2026, 3, 3)
    assert lot_expires_on(posted_at=late, expiry_days=90) == date(2026, 6, 1)


def test_r51_a_lot_expires_at_the_end_of_its_day():
    assert not is_past_date(date(2026, 6, 1), today=date(2026, 6, 1))
    assert is_past_date(date(2026, 6, 1), today=date(2026, 6, 2))
    assert not is_past_date(date(2026, 6, 1), today=date(2026, 5, 31))
    assert not is_past_date(None, today=date(9999, 12, 31))


def test_r52_first_expiring_first_never_last_then_posting_time_then_id():
    assert expiry_sort_key(None) == date.max
    assert expiry_sort_key(date(2026, 7, 1)) == date(2026, 7, 1)
    same_time = datetime(2026, 1, 1, tzinfo=UTC)
    lots = [
        lot(1, 100, None),
        lot(2, 100, date(2026, 9, 1)),
        lot(3, 100, date(2026, 7, 1), created=same_time + timedelta(hours=1)),
        lot(5, 100, date(2026, 7, 1), created=same_time),
        lot(4, 100, date(2026, 7, 1), created=same_time),
    ]
    assert [x.id for x in sorted(lots, key=fifo_key)] == [4, 5, 3, 2, 1]
    assert fifo_key(lots[1]) == (date(2026, 9, 1), lots[1].created_at, 2)


def test_r52_fifo_across_three_lots():
    # 250 from lots of 100, 100 and 100: 100, 100 and 50, nothing short
    lots = [lot(1, 100), lot(2, 100), lot(3, 100)]
    assert draw(250, lots) == ([(1, 100), (2, 100), (3, 50)], 0)
    assert draw(100, lots) == ([(1, 100)], 0)
    assert draw(0, lots) == ([], 0)


def test_r52_empty_lots_are_skipped_and_the_shortfall_is_told():
    lots = [lot(1, 0), lot(2, -20), lot(3, 30), lot(4, 40)]
    assert draw(50, lots) == ([(3, 30), (4, 20)], 0)
    assert draw(100, lots) == ([(3, 30), (4, 40)], 30)
    assert draw(10, []) == ([], 10)


def test_r52_r54_a_redemption_draws_from_available_lots_not_past_their_date():
    lots = [
        lot(1, 100, date(2026, 5, 31)),  # past its date: never redeemable (R54)
        lot(2, 100, date(2026, 6, 1)),  # its last day
        lot(3, 100, None),
        lot(4, 100, date(2026, 6, 2), available=NOW + timedelta(seconds=1)),  # pending
        lot(5, 100, date(2026, 8, 1), available=NOW),  # available this instant
    ]
    order = redemption_draw_order(lots, now=NOW, today=TODAY)
    assert [x.id for x in order] == [2, 5, 3]


def test_r52_a_shortfall_goes_to_the_pending_lots_not_past_their_date():
    lots = [
        lot(1, 100, date(2026, 6, 20), available=NOW + timedelta(hours=5)),
        lot(2, 100, date(2026, 6, 10), available=NOW + timedelta(hours=5)),
        lot(3, 100, date(2026, 5, 31), available=NOW + timedelta(hours=5)),  # past
        lot(4, 100, date(2026, 6, 5), available=NOW),  # available: not a pending lot
        lot(6, 100, None, available=NOW + timedelta(hours=1)),
    ]
    order = shortfall_draw_order(lots, now=NOW, today=TODAY)
    assert [x.id for x in order] == [2, 1, 6]


def test_r52_a_lot_holding_a_single_point_gives_it():
    assert draw(3, [lot(1, 1), lot(2, 5)]) == ([(1, 1), (2, 2)], 0)


# --- R55: what each date's lots still hold once the debt is paid -------------------------------

DEBT_LOTS = [
    lot(1, 100, date(2026, 6, 10)),
    lot(2, 50, date(2026, 6, 10)),
    lot(3, 200, date(2026, 7, 1)),
    lot(4, 80, date(2026, 6, 20), available=NOW + timedelta(hours=5)),  # pending
    lot(5, 70, None),  # never expires
    lot(6, 40, date(2026, 5, 31)),  # past its date
]


def test_r55_points_by_date_without_debt_leave_out_never_and_past():
    assert points_by_date_after_debt(DEBT_LOTS, debt=0, now=NOW, today=TODAY) == {
        date(2026, 6, 10): 150,
        date(2026, 7, 1): 200,
        date(2026, 6, 20): 80,
    }


def test_r55_a_debt_is_paid_from_available_lots_first_expiring_first():
    # 120 of debt: 100 from lot 1, 20 from lot 2
    assert points_by_date_after_debt(DEBT_LOTS, debt=120, now=NOW, today=TODAY) == {
        date(2026, 6, 10): 30,
        date(2026, 7, 1): 200,
        date(2026, 6, 20): 80,
    }
    # 149: one point of 10 June is left
    assert points_by_date_after_debt(DEBT_LOTS, debt=149, now=NOW, today=TODAY) == {
        date(2026, 6, 10): 1,
        date(2026, 7, 1): 200,
        date(2026, 6, 20): 80,
    }


def test_r55_then_never_expiring_points_then_pending_lots():
    # 450: 100 + 50 + 200 + 70 (never) + 30 of the pending lot: 50 of 20 June left, and
    # no date whose lots are used up
    assert points_by_date_after_debt(DEBT_LOTS, debt=450, now=NOW, today=TODAY) == {
        date(2026, 6, 20): 50
    }
    assert points_by_date_after_debt(DEBT_LOTS, debt=1000, now=NOW, today=TODAY) == {}
