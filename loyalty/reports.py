"""The owner's loyalty report (R81): what the program issued, took back and still owes.

A selector, read-only. Every figure is aggregated in the database: the ledger is read by
one grouped query (month x kind x action, with the part still on hold at the period's end
as a conditional sum), so the number of queries doesn't grow with the ledger and Python
only folds the handful of groups it returns. Months and the period's ends are the salon's
local days (TIME_ZONE), as the desk reads them.
"""

import csv
import dataclasses
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date

from clients.models import Client
from loyalty.actions import Action
from loyalty.errors import (
    ReportDateInvalid,
    ReportDateMissing,
    ReportPeriodReversed,
    ReportPeriodTooLong,
    ReportTableUnknown,
)
from loyalty.models import EntryKind, PointsEntry, PointsLot, Promotion, Tier, TierChange
from salon.money import points_to_dollars, round_money
from tickets.models import TicketLine, TicketStatus

# Kinds counted as issued under their own key rather than an action (R81). They are read
# by value, so they count as soon as an app posts them (birthday: #18, opening_balance: R82).
ISSUED_KIND_KEYS = ("birthday", "opening_balance")
EARNING_KINDS = (EntryKind.EARN, EntryKind.REFERRAL_EARN)
ADJUSTED_KINDS = (EntryKind.MANUAL, EntryKind.ADJUSTMENT)
REDEEMED_KINDS = (EntryKind.REDEEM, EntryKind.REDEEM_REVERSAL)
EXPIRING_DAYS = (30, 60, 90)
TOP_REFERRERS = 10

# The tables a CSV download may name (SPEC §18), in the order the page shows them.
TABLES = ("months", "liability", "expiring", "referrals", "top_referrers", "tiers", "promotions")
# The longest report: one query sums each month in a column of its own, and PostgreSQL
# answers at most 1,664 columns; ten years is more than an owner compares at once.
MAX_MONTHS = 120
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)

# A client in no tier: null in the JSON, these words in the CSV a spreadsheet opens.
NO_TIER = "No tier"


@dataclasses.dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        return _local_midnight(self.start)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the `to` day: figures "at the end of `to`" are taken here."""
        return _local_midnight(self.end + timedelta(days=1))


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _parse_day(value: str | None, *, name: str) -> date:
    if not value:
        raise ReportDateMissing(f"Give the report's `{name}` date as YYYY-MM-DD.")
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise ReportDateInvalid(f"`{name}` is not a date: give it as YYYY-MM-DD.")
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        # Past these, a local midnight or "expiring in 90 days" leaves what a date can hold.
        raise ReportDateInvalid(
            f"`{name}` must fall between {EARLIEST_DAY.year} and {LATEST_DAY.year}."
        )
    return day


def report_period(*, start: str | None, end: str | None) -> Period:
    """The period from the request's `from` and `to` (each YYYY-MM-DD, both days included)."""
    period = Period(start=_parse_day(start, name="from"), end=_parse_day(end, name="to"))
    if period.start > period.end:
        raise ReportPeriodReversed()
    if len(_month_starts(period.start, period.end)) > MAX_MONTHS:
        raise ReportPeriodTooLong()
    return period


def _month_starts(start: date, end: date) -> list[date]:
    """The first day of each month from `start`'s to `end`'s."""
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _ledger_groups(period: Period, months: list[date]) -> list[dict]:
    """One query: every entry up to the period's end, by kind and action, with its points
    before the first month, in each month (`m0`, `m1`, ...) and still on hold at the end
    (R15: available_at after it).

    Months are ranges of the column between local midnights, not a local month computed for
    each entry and grouped on: on the 1M-entry bench ledger that took 2.1-2.5 s, this 0.87 s,
    beside a 0.3 s sequential scan (docs/performance.md, P7)."""
    starts = [_local_midnight(day) for day in months]
    ranges = zip(starts, [*starts[1:], period.ends_at], strict=True)

    def points(condition: Q):
        return Coalesce(Sum("points", filter=condition), Value(0), output_field=IntegerField())

    return list(
        PointsEntry.objects.filter(created_at__lt=period.ends_at)
        .values("kind", "action")
        .annotate(
            before=points(Q(created_at__lt=starts[0])),
            on_hold=points(Q(available_at__gt=period.ends_at)),
            **{
                f"m{number}": points(Q(created_at__gte=begins, created_at__lt=ends))
                for number, (begins, ends) in enumerate(ranges)
            },
        )
        .order_by()
    )


def _months_and_liability(period: Period) -> tuple[list[dict], dict]:
    starts = _month_starts(period.start, period.end)
    months = [
        {
            "month": f"{day:%Y-%m}",
            "issued": {},
            "issued_total": 0,
            "redeemed": 0,
            "expired": 0,
            "adjusted": 0,
        }
        for day in starts
    ]
    nets = [0] * len(months)
    pending = 0
    before = 0  # points held when the period starts
    for group in _ledger_groups(period, starts):
        kind = group["kind"]
        pending += group["on_hold"]
        before += group["before"]
        for number, row in enumerate(months):
            points = group[f"m{number}"]
            nets[number] += points
            if kind in EARNING_KINDS or kind in ISSUED_KIND_KEYS:
                if points:
                    key = group["action"] if kind in EARNING_KINDS else kind
                    row["issued"][key] = row["issued"].get(key, 0) + points
                row["issued_total"] += points
            elif kind in REDEEMED_KINDS:
                row["redeemed"] -= points
            elif kind == EntryKind.EXPIRE:
                row["expired"] -= points
            elif kind in ADJUSTED_KINDS:
                row["adjusted"] += points
    # Liability over time: what clients held at each month's end (the last: the period's).
    for row, net in zip(months, nets, strict=True):
        before += net
        row["outstanding_points"] = before
    total = before
    liability = {
        "pending_points": pending,
        "redeemable_points": total - pending,
        "points": total,
        "value": points_to_dollars(total),
    }
    return months, liability


def _expiring(period: Period) -> dict[str, int]:
    """Points of live lots whose last day falls within 30/60/90 days after `to` (R51)."""
    horizon = {
        str(days): Coalesce(
            Sum(
                "remaining",
                filter=Q(expires_on__gt=period.end, expires_on__lte=period.end + timedelta(days)),
            ),
            Value(0),
        )
        for days in EXPIRING_DAYS
    }
    # The range in the WHERE clause lets the partial index points_lot_due find the lots
    # (0.3 s as a full scan of the bench's 923,000 lots, P7).
    return PointsLot.objects.filter(
        remaining__gt=0,
        expires_on__gt=period.end,
        expires_on__lte=period.end + timedelta(max(EXPIRING_DAYS)),
    ).aggregate(**horizon)


def _referrals(period: Period) -> tuple[dict, list[dict]]:
    new_referred = Client.objects.filter(
        referred_by__isnull=False,
        merged_into__isnull=True,
        created_at__gte=period.starts_at,
        created_at__lt=period.ends_at,
    )
    closed_by_end = Q(tickets__status=TicketStatus.CLOSED, tickets__closed_at__lt=period.ends_at)
    funnel = new_referred.aggregate(
        new_referred_clients=Count("pk"),
        with_first_ticket=Count("pk", filter=closed_by_end, distinct=True),
    )
    sales = TicketLine.objects.filter(
        ticket__client__in=new_referred,
        ticket__status=TicketStatus.CLOSED,
        ticket__closed_at__gte=period.starts_at,
        ticket__closed_at__lt=period.ends_at,
    ).aggregate(
        sales=Coalesce(
            Sum("net_amount"),
            Value(Decimal("0.00")),
            output_field=DecimalField(max_digits=12, decimal_places=2),
        )
    )
    points_earned = (
        PointsEntry.objects.filter(
            client=OuterRef("pk"),
            kind=EntryKind.REFERRAL_EARN,
            created_at__gte=period.starts_at,
            created_at__lt=period.ends_at,
        )
        .values("client")
        .annotate(earned=Sum("points"))
        .values("earned")
    )
    # Filtered on the referrals before counting them, so that only referrers of the period
    # are grouped and have their points summed (every client was: 2.9 s on the bench's
    # 100,000 clients, P7).
    top = (
        Client.objects.filter(
            referrals__created_at__gte=period.starts_at,
            referrals__created_at__lt=period.ends_at,
            referrals__merged_into__isnull=True,
        )
        .annotate(
            referred=Count("referrals"),
            points=Coalesce(Subquery(points_earned), Value(0)),
        )
        .order_by("-referred", "-points", "pk")[:TOP_REFERRERS]
    )
    top_referrers = [
        {
            "client": client.pk,
            "name": str(client),
            "referred": client.referred,
            "points": client.points,
        }
        for client in top
    ]
    # SQLite sums decimals without their scale: money leaves here with its two places.
    return {**funnel, "sales": round_money(sales["sales"])}, top_referrers


def _tiers(period: Period) -> list[dict]:
    """Active clients by the tier they held at the end of `to`: the last tier change before
    it (R61's audit trail names the tier), none when there was none. Every defined tier is
    listed, in order, even with no client; a tier since deleted is listed after them."""
    held = (
        TierChange.objects.filter(client=OuterRef("pk"), created_at__lt=period.ends_at)
        .order_by("-created_at", "-pk")
        .values("to_tier")[:1]
    )
    counts = dict(
        Client.objects.filter(merged_into__isnull=True, created_at__lt=period.ends_at)
        .annotate(tier=Coalesce(Subquery(held), Value("")))
        .values("tier")
        .annotate(clients=Count("pk"))
        .order_by()
        .values_list("tier", "clients")
    )
    names = list(Tier.objects.order_by("min_spend", "pk").values_list("name", flat=True))
    names += sorted(name for name in counts if name and name not in names)
    rows = [{"tier": name, "clients": counts.get(name, 0)} for name in names]
    return [*rows, {"tier": None, "clients": counts.get("", 0)}]


def _promotions(period: Period) -> list[dict]:
    """Per promotion running in the period or naming entries posted in it (R62): the net
    points of those entries, and the pre-tax net sales of the closed tickets they belong to
    (each ticket once, however many of its entries name the promotion)."""
    in_period = Q(created_at__gte=period.starts_at, created_at__lt=period.ends_at)
    named = PointsEntry.objects.filter(in_period, promotion=OuterRef("pk"))
    points = named.order_by().values("promotion").annotate(total=Sum("points")).values("total")
    # SUM as a plain function: an aggregate here would make Django group the subquery.
    sales = (
        TicketLine.objects.filter(
            Exists(
                PointsEntry.objects.filter(
                    in_period, ticket=OuterRef("ticket"), promotion=OuterRef(OuterRef("pk"))
                )
            ),
            ticket__status=TicketStatus.CLOSED,
        )
        .order_by()
        .values_list(Func(F("net_amount"), function="SUM"))
    )
    money = DecimalField(max_digits=12, decimal_places=2)
    promotions = (
        Promotion.objects.filter(
            Q(starts_on__lte=period.end, ends_on__gte=period.start) | Q(Exists(named))
        )
        .annotate(
            points=Coalesce(Subquery(points, output_field=IntegerField()), Value(0)),
            sales=Coalesce(
                Subquery(sales, output_field=money), Value(Decimal("0.00")), output_field=money
            ),
        )
        .order_by("starts_on", "created_at", "pk")
    )
    return [
        {
            "promotion": promotion.pk,
            "name": promotion.name,
            "starts_on": promotion.starts_on,
            "ends_on": promotion.ends_on,
            "points": promotion.points,
            "sales": round_money(promotion.sales),
        }
        for promotion in promotions
    ]


def loyalty_report(*, period: Period) -> dict:
    """The figures of R81 for the period, in the JSON shape of SPEC §18."""
    months, liability = _months_and_liability(period)
    referrals, top_referrers = _referrals(period)
    return {
        "from": period.start,
        "to": period.end,
        "months": months,
        "liability": liability,
        "expiring": _expiring(period),
        "referrals": referrals,
        "top_referrers": top_referrers,
        "tiers": _tiers(period),
        "promotions": _promotions(period),
    }


def report_table(*, report: dict, table: str) -> tuple[list[str], list[list]]:
    """One table of the report as a header and rows, for CSV (SPEC §18's keys)."""
    if table not in TABLES:
        raise ReportTableUnknown(f"There is no table `{table}`; choose one of {', '.join(TABLES)}.")
    if table == "months":
        actions = sorted({key for row in report["months"] for key in row["issued"]})
        header = ["month", *(f"issued_{key}" for key in actions)]
        header += ["issued_total", "redeemed", "expired", "adjusted", "outstanding_points"]
        rows = [
            [
                row["month"],
                *(row["issued"].get(key, 0) for key in actions),
                row["issued_total"],
                row["redeemed"],
                row["expired"],
                row["adjusted"],
                row["outstanding_points"],
            ]
            for row in report["months"]
        ]
        return header, rows
    if table == "top_referrers":
        header = ["client", "name", "referred", "points"]
        return header, [[row[key] for key in header] for row in report["top_referrers"]]
    if table == "tiers":
        header = ["tier", "clients"]
        return header, [[row["tier"] or NO_TIER, row["clients"]] for row in report["tiers"]]
    if table == "promotions":
        header = ["promotion", "name", "starts_on", "ends_on", "points", "sales"]
        return header, [[row[key] for key in header] for row in report["promotions"]]
    one_row = report[table]
    header = list(one_row)
    return header, [[one_row[key] for key in header]]


def report_csv(*, report: dict, table: str) -> str:
    """One table of the report as CSV text, with a header row."""
    header, rows = report_table(report=report, table=table)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def action_labels() -> dict[str, str]:
    """What the desk reads for each issued key: an action's label, or the kind's."""
    return {
        **dict(Action.choices),
        "birthday": "Birthday",
        "opening_balance": "Opening balance (moved in)",
    }
