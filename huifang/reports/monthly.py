"""The monthly analysis report (客服月度分析报告, seed 002): its sections as plain data for the screen, the
PDF and the XLSX. A fixed number of queries whatever the store's size (every part is an aggregate)."""

from datetime import date

from dateutil.relativedelta import relativedelta

from huifang.accounts.models import Store
from huifang.appointments.figures import appointment_analysis
from huifang.core import clock
from huifang.core.sql import report_session
from huifang.operations import selectors as operations_selectors
from huifang.operations import services as operations_services

from . import figures, selectors
from .choices import Kpi
from .figures import DEFINITIONS, _user_names
from .models import PdcaEntry


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"


def lounge_appendix(*, store: Store, month: date, today: date) -> dict:
    """Appendix (seed 002 顾客休息室检查表): the month's missing checklist days and compliance per item."""
    end = month + relativedelta(months=1, days=-1)
    period = operations_selectors.lounge_period(
        store=store, policy=operations_services.policy_for(store=store), start=month, end=end, today=today
    )
    return {
        "missing": [day.isoformat() for day in period["missing"]],
        "signed_days": period["signed_days"],
        "items": [
            {
                "title": row["item"].title,
                "checked": row["checked"],
                "compliant": row["compliant"],
                "percent": row["percent"],
            }
            for row in period["items"]
        ],
    }


def monthly_report(*, store: Store, month: date, today: date | None = None) -> dict:
    """Seed 002 contents: CSS status (imported survey), last month's action plan review, internal CSS,
    complaint tracking and causes, first-time-fix and appointment rates, lost customers, next month's targets."""
    with report_session():
        return _monthly_report(store=store, month=month, today=today)


def _monthly_report(*, store: Store, month: date, today: date | None) -> dict:
    month = month.replace(day=1)
    previous = month - relativedelta(months=1)
    stores = [store]
    complaints = figures.complaint_kpis(stores=stores, month=month)
    statistics = figures.complaint_statistics(stores=stores, month=month)
    followups = figures.followup_kpis(stores=stores, month=month, by=("specialist", "advisor"))
    workshop = figures.workshop_kpis(stores=stores, month=month)
    problems = figures.problem_resolution(stores=stores, month=month)
    reminders = figures.reminder_return(stores=stores, month=month)
    previous_css = figures.css_scores(stores=stores, month=previous).get(None, {"items": {}, "total": None})
    css = figures.css_comparison(stores=stores, month=month, previous=previous_css)
    actuals = figures.actuals_from(
        complaints=complaints["total"],
        followups=followups["total"],
        workshop=workshop["total"],
        problems=problems["total"],
        reminders=reminders["total"],
        css_total=css["total"],
    )
    pdca = selectors.pdca_sheet(store=store, month=month, actuals=actuals)
    labels = {line["kpi"]: line["label"] for line in pdca}
    plans = list(PdcaEntry.objects.filter(store=store, month=previous).order_by("kpi"))
    # Last month's figures are only needed to review last month's plan.
    previous_actuals = figures.kpi_actuals(stores=stores, month=previous, css=previous_css) if plans else {}
    review = [
        {
            "kpi": entry.kpi,
            "label": labels.get(entry.kpi, entry.kpi),
            "measures": entry.measures,
            "owner": entry.owner,
            "completion_date": entry.completion_date,
            "previous": previous_actuals.get(entry.kpi),
            "actual": actuals.get(entry.kpi),
            "change": figures._change(actuals.get(entry.kpi), previous_actuals.get(entry.kpi)),
        }
        for entry in plans
    ]
    names = _user_names({r["id"] for r in followups["specialist"] + followups["advisor"] if r["id"] is not None})
    for row in followups["specialist"] + followups["advisor"]:
        row["name"] = names.get(row["id"], "—") if row["id"] is not None else "—"
    return {
        "store": {"id": store.pk, "code": store.code, "name": store.name},
        "month": month_label(month),
        "previous_month": month_label(previous),
        "css": css,
        "review": review,
        "complaints": {**complaints["total"], **statistics},
        "followups": followups,
        "problems": problems["total"],
        "reminders": reminders["total"],
        "workshop": workshop["total"],
        "appointments": appointment_analysis(stores=stores, month=month),
        "lost": {"monthly": figures.customer_flow(stores=stores, month=month)},
        "first_service_lost": {"monthly": figures.first_service_lost_flow(stores=stores, month=month)},
        "pdca": pdca,
        "lounge": lounge_appendix(store=store, month=month, today=today or clock.today()),
        "actuals": actuals,
        "previous_actuals": previous_actuals,
        "definitions": {k: str(v) for k, v in DEFINITIONS.items()},
        "kpi_labels": {k: str(v) for k, v in Kpi.choices},
    }
