"""The monthly report: contents, XLSX cells, PDF, PDCA sheet and targets."""

import contextlib
import io
import os
import re
import zlib
from datetime import date
from decimal import Decimal as D

from django.utils.translation import gettext
from openpyxl import load_workbook

from huifang.reports import exports, selectors, services
from huifang.reports.choices import Direction, Kpi
from huifang.reports.monthly import monthly_report

from .conftest import NOW, OCTOBER


def test_pdca_sheet_marks_each_kpi_against_the_store_target(store, october, director):
    # given the store lowered two targets: reach 70 (actual 66.7, 3.3 short), CSS 75 (actual 77.0)
    services.target_update(
        store=store, kpi=Kpi.REACH, target=D(70), direction=Direction.HIGHER, actor=director, now=NOW
    )
    services.target_update(store=store, kpi=Kpi.CSS, target=D(75), direction=Direction.HIGHER, actor=director, now=NOW)
    # when
    report = monthly_report(store=store, month=OCTOBER)
    # then
    marks = {line["kpi"]: (line["target"], line["actual"], line["mark"]) for line in report["pdca"]}
    assert marks[Kpi.CALLBACK] == (D(100), D("75.0"), "×")  # seed 001 target 100 %
    assert marks[Kpi.PROBLEM_RESOLUTION] == (D(95), D("33.3"), "×")  # seed 001 target 95 %
    assert marks[Kpi.REACH] == (D(70), D("66.7"), "△")  # within the 5-point tolerance
    assert marks[Kpi.CSS] == (D(75), D("77.0"), "✓")


def test_last_months_plan_is_reviewed_against_this_months_figure(store, october, director):
    # given September's plan for CSS (September's CSS 68.0)
    services.pdca_save(
        store=store,
        month=OCTOBER.replace(month=9),
        kpi=Kpi.CSS,
        actor=director,
        now=NOW,
        cause_analysis="交车解释不足",
        measures="交车前逐项解释",
        owner="王经理",
    )
    # when
    report = monthly_report(store=store, month=OCTOBER)
    # then
    [review] = report["review"]
    assert (review["measures"], review["owner"], review["previous"], review["actual"], review["change"]) == (
        "交车前逐项解释",
        "王经理",
        D("68.0"),
        D("77.0"),
        D("9.0"),
    )


def test_xlsx_holds_the_figures_charts_and_definitions(store, october):
    # when
    book = load_workbook(io.BytesIO(exports.report_xlsx(monthly_report(store=store, month=OCTOBER))))
    # then
    overview, css, complaints, followups, customers, lounge, definitions = book.worksheets
    rows = {r[0]: r for r in overview.iter_rows(min_row=4, values_only=True)}
    callback = rows[str(Kpi.CALLBACK.label)]
    assert (callback[1], callback[2], callback[3]) == (100, 75.0, "×")
    css_rows = {r[0]: r for r in css.iter_rows(min_row=2, max_row=5, values_only=True)}
    assert css_rows["整体满意度"][1:5] == (50, 60.0, 80.0, 20.0)  # weight, September, October, change
    assert css_rows[gettext("CSS total")][2:5] == (68.0, 77.0, 9.0)
    assert len(css._charts) == 1 and len(complaints._charts) == 2 and len(customers._charts) == 1
    complaint_cells = {r[0]: r[1:] for r in complaints.iter_rows(values_only=True) if r[0]}
    assert complaint_cells[gettext("Complaints received")][0] == 4
    assert complaint_cells[gettext("Satisfied closures")][:2] == (1, 25.0)
    assert complaint_cells["3日内"][:2] == (1, 33.3)
    assert [c.value for c in followups[3]][1:7] == [4, 3, 75.0, 25.0, 2, 66.7]  # the total line
    defined = {r[0] for r in definitions.iter_rows(min_row=2, values_only=True)}
    assert str(Kpi.COMPLAINT_TIMELINESS.label) in defined


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated (font names sit in compressed object streams)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(match.group(1)))
    return b"".join(parts)


def test_pdf_is_a_pdf_of_the_chinese_report(store, october):
    # when
    report = monthly_report(store=store, month=OCTOBER)
    html = exports.report_html(report)
    pdf = exports.report_pdf(report)
    # then: the HTML it prints holds the sections and the charts, the PDF embeds a CJK font
    assert "客服月度分析报告" in html and "流失顾客分析" in html and html.count("<svg") == 5
    assert "整体满意度" in html and "深圳测试斯柯达4S店" in html
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    assert b"NotoSansCJK" in _inflated(pdf)
    if os.environ.get("REPORT_PDF_OUT"):
        with open(os.environ["REPORT_PDF_OUT"], "wb") as f:
            f.write(pdf)


def test_definitions_reach_every_kpi(store):
    lines = selectors.pdca_sheet(store=store, month=OCTOBER, actuals={})
    assert all(line["definition"] for line in lines)
    assert {line["mark"] for line in lines} == {"—"}


def test_monthly_email_goes_to_director_and_managers_once(store, october, director, manager, specialist):
    from huifang.messaging.models import OutboxMessage

    director.email, manager.email, specialist.email = "d@example.com", "m@example.com", "s@example.com"
    for user in (director, manager, specialist):
        user.save()
    # when sent twice
    first = services.monthly_report_send(store=store, month=OCTOBER, now=NOW)
    services.monthly_report_send(store=store, month=OCTOBER, now=NOW)
    # then one message each for the director and the manager, none for the specialist
    assert sorted(m.to_address for m in first) == ["d@example.com", "m@example.com"]
    assert OutboxMessage.objects.count() == 2
    body = first[0].body
    assert "75.0" in body and "×" in body and "2026-10" in first[0].subject


def test_appendix_shows_the_lounge_checklist_month_as_counted_by_hand(store, specialist):
    # given a week of March 2026 checklists with the 11th and 14th missing (tests/operations/test_lounge.py)
    from tests.operations.test_lounge import _fill_week

    _fill_week(store, specialist)
    # when the March report is made on the 15th
    report = monthly_report(store=store, month=date(2026, 3, 1), today=date(2026, 3, 15))
    # then the 1st–8th (nothing filled), the 11th and the 14th are missing; 空调 passed 3 of 5 signed days
    lounge = report["lounge"]
    assert lounge["missing"] == [f"2026-03-{d:02d}" for d in (1, 2, 3, 4, 5, 6, 7, 8, 11, 14)]
    assert lounge["signed_days"] == 5
    aircon = next(row for row in lounge["items"] if row["title"] == "空调")
    assert (aircon["compliant"], aircon["checked"], aircon["percent"]) == (3, 5, 60.0)
    # and the XLSX has it as a sheet
    book = load_workbook(io.BytesIO(exports.report_xlsx(report)))
    rows = {r[0]: r for r in book.worksheets[5].iter_rows(values_only=True) if r and r[0]}
    assert rows["空调"][1:4] == (5, 3, 60.0)
