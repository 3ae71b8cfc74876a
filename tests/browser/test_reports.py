"""The monthly report screen in a real browser: the ECharts charts draw (canvas) and Chinese shows."""

import pytest

from tests.browser.conftest import login
from tests.factories import PASSWORD
from tests.reports.conftest import october  # noqa: F401, F811  (fixture)

pytestmark = pytest.mark.browser


def test_monthly_report_screen_draws_its_charts(page, store, october, director, shot):  # noqa: F811
    # given
    login(page, "director", PASSWORD)
    # when
    page.goto(f"{page.base_url}/reports/{store.pk}/monthly/?month=2026-10")
    # then every chart has a canvas and the page is the Chinese report
    for chart in ("chart-css", "chart-category", "chart-buckets", "chart-lost", "chart-kpis"):
        page.wait_for_selector(f"#{chart} canvas")
    assert "客服月度分析报告" in page.inner_text("h1")
    assert "77.0" in page.inner_text("body")
    shot(page, "reports-monthly")


def test_dashboard_draws_the_trends_for_a_director(page, store, october, director, shot):  # noqa: F811
    login(page, "director", PASSWORD)
    page.goto(f"{page.base_url}/reports/")
    page.wait_for_selector("#chart-calls canvas")
    page.wait_for_selector("#chart-rates canvas")
    shot(page, "reports-dashboard")
