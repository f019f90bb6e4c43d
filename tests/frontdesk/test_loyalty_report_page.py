"""The owner's report page in admin (R81): Manager only, plain English, charts drawn inline."""

import pytest

from frontdesk.report_charts import grouped_bars
from tests.loyalty.test_reports import history  # noqa: F401  (the known history fixture)

URL = "/admin/frontdesk/reports/loyalty/"


def test_manager_sees_tables_charts_and_csv_links(client, manager, history):  # noqa: F811
    client.force_login(manager)
    response = client.get(URL, {"from": "2026-01-01", "to": "2026-03-31"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<svg viewBox="0 0 640 200" role="img"') == 6
    assert "Issued: Service purchase" in page
    assert "21.60" in page  # the liability's worth
    assert "Ann Lee" in page
    assert "No tier" in page and "<th>Promotion</th>" in page
    for table in ("months", "liability", "expiring", "referrals", "top_referrers", "tiers"):
        assert f"format=csv&amp;table={table}" in page
    assert "UTC" not in page and "service_purchase" not in page


def test_a_bad_period_answers_400_and_says_why(client, manager):  # R81, R71
    client.force_login(manager)
    response = client.get(URL, {"from": "2026-04-01", "to": "2026-03-31"})
    assert response.status_code == 400
    assert 'id="report-refusal"' in response.content.decode()


def test_front_desk_may_not_open_it(client, front_desk):  # SPEC §10
    client.force_login(front_desk)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("values", [[10, -5], [0, 0]])
def test_bars_stand_on_the_baseline(values):
    chart = grouped_bars(groups=[("2026-01", values)], legend=["a", "b"])
    for bar, value in zip(chart.bars, values, strict=True):
        if value >= 0:
            assert bar.y + bar.height == pytest.approx(chart.baseline, abs=0.2)
        else:
            assert bar.y == chart.baseline
