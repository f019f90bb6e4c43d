"""Pure rules of points over time (R51-R54): which date a lot expires on, which lots a
debit draws from and how much. No database: the ledger reads the lots, these decide, the
ledger writes (STYLE 14)."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class LotView:
    """What a draw needs to know of one lot."""

    id: int
    remaining: int
    expires_on: date | None
    available_at: datetime
    created_at: datetime


def local_date(moment: datetime) -> date:
    """The salon's calendar day of a moment (SPEC §14: every date is local)."""
    return timezone.localdate(moment)


def lot_expires_on(*, posted_at: datetime, expiry_days: int | None) -> date | None:
    """The local date of posting + expiry_days; None (never) when there is no policy (R51).
    Fixed at posting: a later policy change never moves it."""
    if expiry_days is None:
        return None
    return local_date(posted_at) + timedelta(days=expiry_days)


def is_past_date(expires_on: date | None, *, today: date) -> bool:
    """A lot expires at the end of its `expires_on` day (R51): past it from the next day."""
    return expires_on is not None and expires_on < today


def expiry_sort_key(expires_on: date | None) -> date:
    """Dates in order, never (None) after every date."""
    return expires_on or date.max


def fifo_key(lot: LotView) -> tuple:
    """First-expiring first, never-expiring last, then posting time, then id (R52)."""
    return (expiry_sort_key(lot.expires_on), lot.created_at, lot.id)


def draw(points: int, lots: Iterable[LotView]) -> tuple[list[tuple[int, int]], int]:
    """Take `points` from the lots in the order given: [(lot id, points taken)] and the
    shortfall that no lot covered."""
    taken = []
    left = points
    for lot in lots:
        if left == 0:
            break
        if lot.remaining <= 0:
            continue
        part = min(left, lot.remaining)
        taken.append((lot.id, part))
        left -= part
    return taken, left


def redemption_draw_order(lots: Sequence[LotView], *, now: datetime, today: date) -> list[LotView]:
    """The lots a redemption or a negative manual adjustment draws from: available and not
    past their date, first-expiring first (R52)."""
    usable = [
        lot
        for lot in lots
        if lot.available_at <= now and not is_past_date(lot.expires_on, today=today)
    ]
    return sorted(usable, key=fifo_key)


def shortfall_draw_order(lots: Sequence[LotView], *, now: datetime, today: date) -> list[LotView]:
    """Where a take-back's or adjustment's remainder goes once the available lots are used
    up: the still-pending lots, first-expiring first; their points are not redeemable yet, so
    the balance figures don't move, but they will not be counted twice when they free up."""
    pending = [
        lot
        for lot in lots
        if lot.available_at > now and not is_past_date(lot.expires_on, today=today)
    ]
    return sorted(pending, key=fifo_key)


def points_by_date_after_debt(
    lots: Sequence[LotView], *, debt: int, now: datetime, today: date
) -> dict[date, int]:
    """What each date's lots will still hold when they expire, once the client's debt is
    paid as the ledger pays it: from the available lots first-expiring first, then from the
    pending ones as they free up (R15, R52). Lots past their date and never-expiring points
    are left out: the first are not the client's any more (R54), the second never expire."""
    order = redemption_draw_order(lots, now=now, today=today) + shortfall_draw_order(
        lots, now=now, today=today
    )
    taken = dict(draw(debt, order)[0])
    left: dict[date, int] = defaultdict(int)
    for lot in order:
        rest = lot.remaining - taken.get(lot.id, 0)
        if rest > 0 and lot.expires_on is not None:
            left[lot.expires_on] += rest
    return dict(left)
