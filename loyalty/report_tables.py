"""The owner's loyalty report (R81) as tables: a header and rows each, for CSV downloads and
the admin page's tables (SPEC §18's keys)."""

import csv
import io

from loyalty.actions import Action
from loyalty.errors import ReportTableUnknown

# The tables a CSV download may name (SPEC §18), in the order the page shows them.
TABLES = ("months", "liability", "expiring", "referrals", "top_referrers", "tiers", "promotions")

# A client in no tier: null in the JSON, these words in the CSV a spreadsheet opens.
NO_TIER = "No tier"


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
