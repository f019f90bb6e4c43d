"""The ledger by local month (R81's report): summed once for months that are over, read
live for the rest.

Entries are append-only (R14) and every writer posts them at the time it writes them
(`created_at` = its `now`), so the points of a month that is over never change: the daily
job sums them once into `LedgerMonth` rows, and the report reads those rows for whole
months and the entries themselves only from the first month not summed (the open month, a
day after it ends) to the period's end. A report of a year reads about a month of entries
instead of the whole history (P7).

A month is summed only once a day has passed since it ended: a write's `now` is taken
before its transaction commits, and the daily runs (`expire_points`) post a whole run's
entries at the `now` of its start, so an entry may commit after midnight with a time before
it. Months are summed in order and all at once, so the summed months are every month up to
the latest one that has rows (months after it with no rows had no entries).
"""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import F, Func, IntegerField, Max, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from loyalty.models import LedgerMonth, PointsEntry

# How long after its end a month is summed: longer than any write's transaction.
MARGIN = timedelta(days=1)


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def ledger_months_summarise(*, now: datetime | None = None) -> int:
    """Sum the months that are over (and not summed yet) into `LedgerMonth` rows, by kind
    and action. Safe to run any number of times and at once: the rows of a month are the
    same whoever sums them. Returns the number of rows written."""
    now = now or timezone.now()
    last_day_over = timezone.localdate(now - MARGIN)
    until = date(last_day_over.year, last_day_over.month, 1)  # months before it are over
    latest = LedgerMonth.objects.aggregate(latest=Max("month"))["latest"]
    entries = PointsEntry.objects.filter(created_at__lt=local_midnight(until))
    if latest is not None:
        if next_month(latest) >= until:
            return 0
        entries = entries.filter(created_at__gte=local_midnight(next_month(latest)))
    rows = [
        LedgerMonth(month=month, kind=kind, action=action, points=points)
        for (month, kind, action), points in _by_month(entries).items()
    ]
    with transaction.atomic():
        written = LedgerMonth.objects.bulk_create(rows, ignore_conflicts=True)
    return len(written)


def _by_month(entries) -> dict[tuple[date, str, str], int]:
    groups = (
        entries.annotate(month=TruncMonth("created_at"))
        .values("month", "kind", "action")
        .annotate(total=Sum("points"))
        .order_by()
    )
    return {
        (timezone.localtime(group["month"]).date(), group["kind"], group["action"]): group["total"]
        for group in groups
    }


def ledger_month_disagreements() -> list[tuple[date, str, str, int, int]]:
    """(month, kind, action, summed, entries) wherever the summed months differ from their
    entries as they stand: an entry posted into a month after it was summed shows here
    (`ledger_check`). Reads every entry up to the last month summed."""
    latest = LedgerMonth.objects.aggregate(latest=Max("month"))["latest"]
    if latest is None:
        return []
    entries = _by_month(
        PointsEntry.objects.filter(created_at__lt=local_midnight(next_month(latest)))
    )
    summed = {(row.month, row.kind, row.action): row.points for row in LedgerMonth.objects.all()}
    return sorted(
        (*key, summed.get(key, 0), entries.get(key, 0))
        for key in summed.keys() | entries.keys()
        if summed.get(key, 0) != entries.get(key, 0)
    )


def _points(field: str, condition: Q):
    return Coalesce(Sum(field, filter=condition), Value(0), output_field=IntegerField())


def ledger_groups(*, starts: list[date], ends_at: datetime) -> tuple[list[dict], int]:
    """The ledger up to `ends_at` by kind and action: points before the first month, in each
    month (`m0`, `m1`, ... from `starts`, the last one ending at `ends_at`), and the points
    still on hold at `ends_at` (R15: available_at after it). Two queries whatever the
    period: the summed months, then the entries after the last one summed.

    The on-hold points are a subquery of each query (so they come from the same snapshot as
    the entries they sit beside); read from the summed months' query only when no entry
    follows them, in which case every entry on hold at `ends_at` is older than the margin
    and was committed before either query."""
    hold = Coalesce(
        Subquery(
            PointsEntry.objects.filter(created_at__lt=ends_at, available_at__gt=ends_at)
            .order_by()
            .values_list(Func(F("points"), function="SUM")),
            output_field=IntegerField(),
        ),
        Value(0),
    )
    last_is_whole = local_midnight(next_month(starts[-1])) == ends_at
    whole_before = next_month(starts[-1]) if last_is_whole else starts[-1]
    # The summed rows as they are (a few per month), folded below: cheaper to build than a
    # conditional sum per month.
    rows = list(
        LedgerMonth.objects.filter(month__lt=whole_before)
        .annotate(on_hold=hold)
        .values_list("month", "kind", "action", "points", "on_hold")
    )
    summed = {}
    for month, kind, action, points, _ in rows:
        group = summed.setdefault(
            (kind, action),
            {
                "kind": kind,
                "action": action,
                "before": 0,
                **{f"m{n}": 0 for n in range(len(starts))},
            },
        )
        key = "before" if month < starts[0] else f"m{starts.index(month)}"
        group[key] += points
    entries = PointsEntry.objects.filter(created_at__lt=ends_at)
    since = None
    if rows:
        since = next_month(max(row[0] for row in rows))
        entries = entries.filter(created_at__gte=local_midnight(since))
    bounds = [local_midnight(day) for day in starts]
    ranges = zip(bounds, [*bounds[1:], ends_at], strict=True)
    # A sum only for the months read live: each is a condition on every row read.
    live = list(
        entries.values("kind", "action")
        .annotate(
            on_hold=hold,
            before=_points("points", Q(created_at__lt=bounds[0]))
            if since is None or since < starts[0]
            else Value(0),
            **{
                f"m{number}": _points("points", Q(created_at__gte=begins, created_at__lt=ends))
                if since is None or since <= day
                else Value(0)
                for number, (day, (begins, ends)) in enumerate(zip(starts, ranges, strict=True))
            },
        )
        .order_by()
    )
    on_hold = next((row["on_hold"] for row in live), rows[0][4] if rows else 0)
    return [*summed.values(), *live], on_hold
