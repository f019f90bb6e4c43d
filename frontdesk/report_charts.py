"""Bar charts for the owner's report, laid out here and drawn by the template as inline SVG
(R81: no chart library, no CDN). Pure functions: numbers in, rectangles out."""

import dataclasses

from loyalty.reports import NO_TIER, TABLES, report_table

WIDTH = 640
HEIGHT = 200
LABEL_SPACE = 24  # below the bars, for the labels
HEADROOM = 8  # above the tallest bar


@dataclasses.dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: int  # which colour


@dataclasses.dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    labels: list[tuple[float, str]]  # (x of the group's middle, label)
    legend: list[str]


def grouped_bars(*, groups: list[tuple[str, list[int]]], legend: list[str]) -> Chart:
    """One group of bars per label, one bar per series; negative values hang below zero."""
    values = [value for _, series in groups for value in series] or [0]
    top, bottom = max(max(values), 0), min(min(values), 0)
    span = (top - bottom) or 1
    plot = HEIGHT - LABEL_SPACE - HEADROOM
    baseline = HEADROOM + plot * top / span
    group_width = WIDTH / max(len(groups), 1)
    bar_width = group_width * 0.8 / max(len(legend), 1)
    bars, labels = [], []
    for index, (label, series) in enumerate(groups):
        left = index * group_width + group_width * 0.1
        labels.append((index * group_width + group_width / 2, label))
        for number, value in enumerate(series):
            height = plot * abs(value) / span
            bars.append(
                Bar(
                    x=round(left + number * bar_width, 1),
                    y=round(baseline - height if value > 0 else baseline, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                    value=value,
                    series=number,
                )
            )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        baseline=round(baseline, 1),
        bars=bars,
        labels=labels,
        legend=legend,
    )


def report_charts(report: dict) -> dict[str, Chart]:
    months = report["months"]
    return {
        "activity": grouped_bars(
            groups=[
                (
                    row["month"],
                    [row["issued_total"], row["redeemed"], row["expired"], row["adjusted"]],
                )
                for row in months
            ],
            legend=["Issued", "Redeemed", "Expired", "Adjusted"],
        ),
        "liability": grouped_bars(
            groups=[(row["month"], [row["outstanding_points"]]) for row in months],
            legend=["Points held at the month's end"],
        ),
        "expiring": grouped_bars(
            groups=[(f"{days} days", [points]) for days, points in report["expiring"].items()],
            legend=["Points expiring"],
        ),
        "referrals": grouped_bars(
            groups=[
                ("New referred clients", [report["referrals"]["new_referred_clients"]]),
                ("Reached a first ticket", [report["referrals"]["with_first_ticket"]]),
            ],
            legend=["Clients"],
        ),
        "tiers": grouped_bars(
            groups=[(row["tier"] or NO_TIER, [row["clients"]]) for row in report["tiers"]],
            legend=["Clients at the period's end"],
        ),
        "promotions": grouped_bars(
            groups=[(row["name"], [row["points"]]) for row in report["promotions"]],
            legend=["Points earned under the promotion"],
        ),
    }


TABLE_TITLES = {
    "months": "Points by month",
    "liability": "Outstanding at the period's end",
    "expiring": "Expiring after the period's end",
    "referrals": "Referrals",
    "top_referrers": "Top referrers",
    "tiers": "Clients per tier",
    "promotions": "Promotion results",
}
HEADINGS = {
    "month": "Month",
    "issued_total": "Issued in all",
    "redeemed": "Redeemed",
    "expired": "Expired",
    "adjusted": "Adjusted",
    "outstanding_points": "Held at the month's end",
    "pending_points": "Pending points",
    "redeemable_points": "Redeemable points",
    "points": "Points",
    "value": "Worth ($)",
    "30": "In 30 days",
    "60": "In 60 days",
    "90": "In 90 days",
    "new_referred_clients": "New referred clients",
    "with_first_ticket": "Reached a first ticket",
    "sales": "Their sales ($)",
    "name": "Client",
    "referred": "Clients referred",
    "tier": "Tier",
    "clients": "Clients",
    "starts_on": "First day",
    "ends_on": "Last day",
}
# Where one column name means another thing in one table.
TABLE_HEADINGS = {"promotions": {"name": "Promotion", "points": "Points earned"}}
HIDDEN = {"client", "promotion"}  # ids stay in the CSV; the desk reads names


def report_tables(report: dict, *, action_labels: dict[str, str]) -> list[dict]:
    """Every table of the report with plain-English headings, as the page shows it."""
    tables = []
    for key in TABLES:
        header, rows = report_table(report=report, table=key)
        shown = [index for index, name in enumerate(header) if name not in HIDDEN]
        headings = [
            f"Issued: {action_labels.get(name[7:], name[7:])}"
            if name.startswith("issued_") and name != "issued_total"
            else TABLE_HEADINGS.get(key, {}).get(name) or HEADINGS.get(name, name)
            for name in header
        ]
        tables.append(
            {
                "key": key,
                "title": TABLE_TITLES[key],
                "headings": [headings[index] for index in shown],
                "rows": [[row[index] for index in shown] for row in rows],
            }
        )
    return tables
