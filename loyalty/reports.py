"""The owner's loyalty report (R81): what the program issued, took back and still owes.

A selector, read-only. Every figure is aggregated in the database, in a constant number of
queries whatever the ledger's length: the ledger's months come from `ledger_months` (months
that are over summed once, the entries after them read live), and Python only folds the
handful of groups returned. Months and the period's ends are the salon's local days
(TIME_ZONE), as the desk reads them. The tables and CSV are `report_tables`.
"""

import dataclasses
from collections import defaultdict
from datetime import date, datetime, timedelta
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
from django.utils.dateparse import parse_date

from clients.models import Client
from loyalty import lots as lot_rules
from loyalty.errors import (
    ReportDateInvalid,
    ReportDateMissing,
    ReportPeriodReversed,
    ReportPeriodTooLong,
)
from loyalty.ledger_months import ledger_groups, local_midnight
from loyalty.models import EntryKind, PointsEntry, PointsLot, Promotion, Tier, TierChange
from loyalty.report_tables import NO_TIER, TABLES, action_labels, report_csv, report_table
from salon.money import points_to_dollars, round_money
from tickets.models import TicketLine, TicketStatus

# The tables' module is imported here too, where the report's callers look for it.
__all__ = [
    "NO_TIER",
    "TABLES",
    "Period",
    "action_labels",
    "loyalty_report",
    "report_csv",
    "report_period",
    "report_table",
]

# Kinds counted as issued under their own key rather than an action (R81). They are read
# by value, so they count as soon as an app posts them (birthday: #18, opening_balance: R82).
ISSUED_KIND_KEYS = ("birthday", "opening_balance")
EARNING_KINDS = (EntryKind.EARN, EntryKind.REFERRAL_EARN)
ADJUSTED_KINDS = (EntryKind.MANUAL, EntryKind.ADJUSTMENT)
REDEEMED_KINDS = (EntryKind.REDEEM, EntryKind.REDEEM_REVERSAL)
EXPIRING_DAYS = (30, 60, 90)
TOP_REFERRERS = 10

# The longest report: one query sums each month in a column of its own, and PostgreSQL
# answers at most 1,664 columns; ten years is more than an owner compares at once.
MAX_MONTHS = 120
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)


@dataclasses.dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        return local_midnight(self.start)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the `to` day: figures "at the end of `to`" are taken here."""
        return local_midnight(self.end + timedelta(days=1))


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
    groups, pending = ledger_groups(starts=starts, ends_at=period.ends_at)
    before = 0  # points held when the period starts
    for group in groups:
        kind = group["kind"]
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
    """Points of live lots whose last day falls within 30/60/90 days after `to` (R51), less
    what clients who owe points (a debt, R52) will pay from them first."""
    horizons = {days: period.end + timedelta(days) for days in EXPIRING_DAYS}
    # Summed by day, then by horizon here: one sum a lot, not one conditional sum a horizon.
    # The range in the WHERE clause lets the partial index points_lot_due find the lots
    # (0.3 s as a full scan of the bench's 923,000 lots, P7), and read them from it alone.
    by_day = (
        PointsLot.objects.filter(
            remaining__gt=0, expires_on__gt=period.end, expires_on__lte=max(horizons.values())
        )
        .values("expires_on")
        .annotate(points=Sum("remaining"))
        .order_by()
        .values_list("expires_on", "points")
    )
    expiring = dict.fromkeys((str(days) for days in EXPIRING_DAYS), 0)
    for day, points in by_day:
        for days, last in horizons.items():
            if day <= last:
                expiring[str(days)] += points
    for days, overstated in _owed_from_expiring(period, horizons).items():
        expiring[str(days)] -= overstated
    return expiring


def _owed_from_expiring(period: Period, horizons: dict[int, date]) -> dict[int, int]:
    """Per horizon, the points of expiring lots that clients' debts will take first: a debt
    is paid from the lots as the ledger pays it (available first-expiring first, then the
    pending ones, `lots.points_by_date_after_debt`), when a run or a debit settles it; until
    then the lots' remainders overstate what will expire. One query: the lots of clients
    who owe (few; found through the partial index points_lot_debt)."""
    lots = defaultdict(list)
    owed = defaultdict(int)
    for client_id, *lot in (
        PointsLot.objects.filter(
            client_id__in=PointsLot.objects.filter(remaining__lt=0).values("client_id")
        )
        .exclude(remaining=0)
        .values_list("client_id", "pk", "remaining", "expires_on", "available_at", "created_at")
    ):
        if lot[1] < 0:
            owed[client_id] -= lot[1]
        else:
            lots[client_id].append(lot_rules.LotView(*lot))
    overstated = dict.fromkeys(horizons, 0)
    for client_id, debt in owed.items():
        left = lot_rules.points_by_date_after_debt(
            lots[client_id],
            debt=debt,
            now=period.ends_at,
            today=period.end + timedelta(days=1),
        )
        for days, last in horizons.items():
            overstated[days] += sum(
                lot.remaining
                for lot in lots[client_id]
                if lot.expires_on is not None and period.end < lot.expires_on <= last
            ) - sum(points for day, points in left.items() if period.end < day <= last)
    return overstated


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
    listed, in order, even with no client; a tier since deleted is listed after them.

    Read from the tier changes (each client's last one, the one with no later change), not
    per client: a subquery for each of the bench's 100,000 clients cost 0.6 s (P7)."""
    ends_at = period.ends_at
    later = TierChange.objects.filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk")),
        client=OuterRef("client"),
        created_at__lt=ends_at,
    )
    active = Q(merged_into__isnull=True, created_at__lt=ends_at)
    counts = dict(
        TierChange.objects.filter(
            ~Exists(later),
            created_at__lt=ends_at,
            client__in=Client.objects.filter(active).values("pk"),
        )
        .values("to_tier")
        .annotate(clients=Count("pk"))
        .order_by()
        .values_list("to_tier", "clients")
    )
    in_no_tier = Client.objects.filter(active).count() - sum(
        clients for name, clients in counts.items() if name
    )
    names = list(Tier.objects.order_by("min_spend", "pk").values_list("name", flat=True))
    names += sorted(name for name in counts if name and name not in names)
    rows = [{"tier": name, "clients": counts.get(name, 0)} for name in names]
    return [*rows, {"tier": None, "clients": in_no_tier}]


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
