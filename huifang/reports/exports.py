"""The monthly report as chart data (screen), PDF (WeasyPrint, CJK fonts, inline SVG) and XLSX (openpyxl
with native Excel charts)."""

from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from huifang.core.spreadsheet import xlsx_bytes

from . import charts


def _num(value):
    return None if value is None else float(value)


def chart_data(report: dict) -> dict:
    """The series the screen's ECharts and the PDF's SVG charts draw."""
    css_items = report["css"]["items"]
    return {
        "css": {
            "labels": [i["text"] or i["code"] for i in css_items],
            "current": [_num(i["score"]) for i in css_items],
            "previous": [_num(i["previous"]) for i in css_items],
            "region": [_num(i["benchmark"].get("region_average")) for i in css_items],
        },
        "category": {
            "labels": [r["code"] for r in report["complaints"]["by_category"]],
            "counts": [r["count"] for r in report["complaints"]["by_category"]],
        },
        "buckets": {
            "labels": [r["label"] for r in report["complaints"]["by_bucket"]],
            "counts": [r["count"] for r in report["complaints"]["by_bucket"]],
        },
        "lost": {
            "labels": [r["month"] for r in report["lost"]["monthly"]],
            "new": [r["new"] for r in report["lost"]["monthly"]],
            "lost": [r["lost"] for r in report["lost"]["monthly"]],
        },
        "kpis": {
            "labels": [line["label"] for line in report["pdca"]],
            "actual": [_num(line["actual"]) for line in report["pdca"]],
            "target": [_num(line["target"]) for line in report["pdca"]],
        },
        "text": {
            "current": _("This month"),
            "previous": _("Previous month"),
            "region": _("Region average"),
            "complaints": _("Complaints"),
            "new": _("New customers"),
            "lost": _("Lost customers"),
            "actual": _("Actual"),
            "target": _("Target"),
        },
    }


def _short(label: str) -> str:
    """The Chinese term of a KPI label "English (中文)", else the label."""
    return label.rsplit("(", 1)[-1].rstrip(")") if "(" in label else label


def svg_charts(report: dict) -> dict:
    data = chart_data(report)
    t = data["text"]
    return {
        "css": charts.bar_chart(
            title=_("CSS per item"),
            labels=data["css"]["labels"],
            series=[(t["previous"], data["css"]["previous"]), (t["current"], data["css"]["current"])],
            top=100,
        ),
        "category": charts.bar_chart(
            title=_("Complaints by category"),
            labels=data["category"]["labels"],
            series=[(t["complaints"], data["category"]["counts"])],
        ),
        "buckets": charts.bar_chart(
            title=_("Complaint handling time"),
            labels=data["buckets"]["labels"],
            series=[(t["complaints"], data["buckets"]["counts"])],
        ),
        "lost": charts.line_chart(
            title=_("New and lost customers per month"),
            labels=[m[2:] for m in data["lost"]["labels"]],
            series=[(t["new"], data["lost"]["new"]), (t["lost"], data["lost"]["lost"])],
        ),
        "kpis": charts.bar_chart(
            title=_("KPI actual against target"),
            labels=[_short(label) for label in data["kpis"]["labels"]],
            series=[(t["target"], data["kpis"]["target"]), (t["actual"], data["kpis"]["actual"])],
            top=100,
        ),
    }


def report_html(report: dict, *, request=None) -> str:
    return render_to_string(
        "reports/monthly_print.html", {"report": report, "svg": svg_charts(report)}, request=request
    )


def report_pdf(report: dict, *, request=None) -> bytes:
    """The report as a PDF; the template names the Noto CJK fonts so Chinese renders."""
    from weasyprint import HTML

    return HTML(string=report_html(report, request=request)).write_pdf()


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def report_xlsx(report: dict) -> bytes:
    """The report as a workbook: overview (PDCA), CSS, complaints, follow-ups, lost customers, definitions;
    each chart a native Excel chart over the sheet's cells."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Overview")[:31]
    sheet.append([f"{report['store']['name']} · {report['month']} · {_('Monthly analysis report')}"])
    sheet["A1"].font = bold
    sheet.append([])
    sheet.append(
        [
            _("KPI"),
            _("Target"),
            _("Actual"),
            _("Evaluation"),
            _("Cause analysis"),
            _("Measures"),
            _("Owner"),
            _("Completion date"),
        ]
    )
    for line in report["pdca"]:
        entry = line["entry"]
        sheet.append(
            [
                line["label"],
                _cell(line["target"]),
                _cell(line["actual"]),
                line["mark"],
                entry.cause_analysis if entry else "",
                entry.measures if entry else "",
                entry.owner if entry else "",
                entry.completion_date if entry else None,
            ]
        )
    sheet.column_dimensions["A"].width = 44

    css = book.create_sheet(_("CSS")[:31])
    css.append(
        [
            _("CSS item"),
            _("Weight (%)"),
            _("Previous month"),
            _("This month"),
            _("Change"),
            _("Previous period (上期)"),
            _("This period (本期)"),
            _("Region average (RBO)"),
            _("National average"),
        ]
    )
    for item in report["css"]["items"]:
        b = item["benchmark"]
        css.append(
            [
                item["text"] or item["code"],
                _cell(item["weight"]),
                _cell(item["previous"]),
                _cell(item["score"]),
                _cell(item["change"]),
                _cell(b.get("previous_score")),
                _cell(b.get("current_score")),
                _cell(b.get("region_average")),
                _cell(b.get("national_average")),
            ]
        )
    tb = report["css"]["benchmark_total"]
    css.append(
        [
            _("CSS total"),
            100,
            _cell(report["css"]["previous_total"]),
            _cell(report["css"]["total"]),
            _cell(report["css"]["change"]),
            _cell(tb.get("previous_score")),
            _cell(tb.get("current_score")),
            _cell(tb.get("region_average")),
            _cell(tb.get("national_average")),
        ]
    )
    css.column_dimensions["A"].width = 40
    n = len(report["css"]["items"])
    if n:
        chart = BarChart()
        chart.title = _("CSS per item")
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 100
        chart.add_data(Reference(css, min_col=3, max_col=4, min_row=1, max_row=n + 1), titles_from_data=True)
        chart.set_categories(Reference(css, min_col=1, min_row=2, max_row=n + 1))
        chart.width, chart.height = 24, 8
        css.add_chart(chart, f"A{n + 4}")
    css.append([])
    css.append([_("Service advisor"), _("CSS"), _("Answers")])
    for row in report["css"]["advisors"]:
        css.append([row["name"], _cell(row["total"]), row["answers"]])

    comp = book.create_sheet(_("Complaints")[:31])
    c = report["complaints"]
    comp.append([_("Complaints received"), c["received"]])
    comp.append([_("Satisfied closures"), c["satisfied"], _cell(c["complaint_satisfaction"])])
    comp.append([_("Contacted in time"), c["timely"], _cell(c["complaint_timeliness"])])
    comp.append([_("Closed"), c["handled"], _cell(c["complaint_handling"])])
    comp.append([_("Valid follow-up calls"), c["valid_callbacks"], _cell(c["complaint_valid_callback"])])
    comp.append([])
    start = comp.max_row + 1
    comp.append([_("Category"), _("Count"), "%"])
    for row in c["by_category"]:
        comp.append([row["label"], row["count"], _cell(row["percent"])])
    chart = BarChart()
    chart.title = _("Complaints by category")
    chart.add_data(
        Reference(comp, min_col=2, min_row=start, max_row=start + len(c["by_category"])), titles_from_data=True
    )
    chart.set_categories(Reference(comp, min_col=1, min_row=start + 1, max_row=start + len(c["by_category"])))
    comp.add_chart(chart, "E1")
    comp.append([])
    comp.append([_("Channel"), _("Count"), "%"])
    for row in c["by_channel"]:
        comp.append([row["label"], row["count"], _cell(row["percent"])])
    comp.append([])
    start = comp.max_row + 1
    comp.append([_("Handling time"), _("Count"), "%"])
    for row in c["by_bucket"]:
        comp.append([row["label"], row["count"], _cell(row["percent"])])
    comp.append([_("Still open"), c["open"]])
    chart = BarChart()
    chart.title = _("Complaint handling time")
    chart.add_data(
        Reference(comp, min_col=2, min_row=start, max_row=start + len(c["by_bucket"])), titles_from_data=True
    )
    chart.set_categories(Reference(comp, min_col=1, min_row=start + 1, max_row=start + len(c["by_bucket"])))
    comp.add_chart(chart, "E18")
    comp.column_dimensions["A"].width = 36

    fol = book.create_sheet(_("Follow-ups")[:31])
    header = [
        _("Name"),
        _("Due"),
        _("Attempted"),
        _("Callback rate"),
        _("Within 72 hours"),
        _("Reached"),
        _("Reach rate"),
    ]
    t = report["followups"]["total"]
    fol.append([_("All post-service calls")])
    fol.append(header)
    fol.append(
        [
            _("Total"),
            t["due"],
            t["attempted"],
            _cell(t["callback"]),
            _cell(t["within_window"]),
            t["reached"],
            _cell(t["reach"]),
        ]
    )
    for title, key in ((_("Per specialist"), "specialist"), (_("Per service advisor"), "advisor")):
        fol.append([])
        fol.append([title])
        fol.append(header)
        for row in report["followups"][key]:
            fol.append(
                [
                    row["name"],
                    row["due"],
                    row["attempted"],
                    _cell(row["callback"]),
                    _cell(row["within_window"]),
                    row["reached"],
                    _cell(row["reach"]),
                ]
            )
    fol.append([])
    w = report["workshop"]
    fol.append([_("First-time-fix rate"), w["fixed"], w["repairs"], _cell(w["first_time_fix"])])
    fol.append([_("Appointment rate"), w["appointments"], w["orders"], _cell(w["appointment"])])
    a = report.get("appointments")
    if a:
        fol.append(
            [
                _("Appointment rate (own bookings and DMS flag)"),
                a["orders_by_appointment"],
                a["orders"],
                _cell(a["appointment_rate"]),
            ]
        )
        fol.append([_("Show rate"), a["arrived"], a["arrived"] + a["no_show"], _cell(a["show_rate"])])
        fol.append([_("No-shows"), a["no_show"]])
        fol.append([_("Lead time (days)"), a["lead_days"]])
    fol.append(
        [
            _("Problem resolution rate"),
            report["problems"]["resolved"],
            report["problems"]["opened"],
            _cell(report["problems"]["problem_resolution"]),
        ]
    )
    fol.append(
        [
            _("Reminder return rate"),
            report["reminders"]["returned"],
            report["reminders"]["reminded"],
            _cell(report["reminders"]["reminder_return"]),
        ]
    )
    fol.column_dimensions["A"].width = 28

    lost = book.create_sheet(_("Customers")[:31])
    lost.append([_("Month"), _("New customers"), _("Lost customers")])
    for row in report["lost"]["monthly"]:
        lost.append([row["month"], row["new"], row["lost"]])
    months = len(report["lost"]["monthly"])
    chart = LineChart()
    chart.title = _("New and lost customers per month")
    chart.add_data(Reference(lost, min_col=2, max_col=3, min_row=1, max_row=months + 1), titles_from_data=True)
    chart.set_categories(Reference(lost, min_col=1, min_row=2, max_row=months + 1))
    chart.width = 20
    lost.add_chart(chart, "E2")

    lounge = book.create_sheet(_("Lounge checklist")[:31])
    lounge.append([_("Item"), _("Days checked"), _("Compliant"), _("Compliance (%)")])
    for row in report["lounge"]["items"]:
        lounge.append([row["title"], row["checked"], row["compliant"], _cell(row["percent"])])
    lounge.append([])
    lounge.append([_("Missing or unsigned days"), ", ".join(report["lounge"]["missing"])])
    lounge.column_dimensions["A"].width = 36

    defs = book.create_sheet(_("Definitions")[:31])
    defs.append([_("Figure"), _("How it is counted")])
    for key, text in report["definitions"].items():
        defs.append([report["kpi_labels"].get(key, key), text])
    defs.column_dimensions["A"].width = 40
    defs.column_dimensions["B"].width = 120
    for ws in book.worksheets:
        for cell in ws[1]:
            cell.font = bold
    return xlsx_bytes(book)
