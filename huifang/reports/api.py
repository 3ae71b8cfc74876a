"""Reports JSON API: a store's KPIs, CSS and monthly report for a month (?month=2026-10).

A store the caller cannot see answers 404; a role without report access in it answers 403."""

from datetime import date
from decimal import Decimal

from django.db.models import Model
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.errors import HttpError

from huifang.accounts.selectors import has_role, stores_visible_to
from huifang.core import clock

from . import figures, selectors
from .monthly import monthly_report
from .views import MONTH_RE

router = Router(tags=["reports 报表"])


def _jsonable(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Model):
        return {
            "id": value.pk,
            **{
                f.attname: _jsonable(getattr(value, f.attname))
                for f in value._meta.concrete_fields
                if f.attname not in ("id", "store_id", "updated_by_id")
            },
        }
    if isinstance(value, dict):
        return {str(k) if k is not None else "all": _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _store_and_month(request, store_id: int, month: str):
    store = get_object_or_404(stores_visible_to(user=request.auth), pk=store_id)
    if not has_role(user=request.auth, store=store, roles=selectors.REPORT_ROLES):
        raise HttpError(403, "Your role may not read this store's reports.")
    if not month:
        return store, clock.today().replace(day=1)
    match = MONTH_RE.match(month)
    if not match:
        raise HttpError(422, "month must look like 2026-10")
    return store, date(int(match[1]), int(match[2]), 1)


@router.get("/stores/{store_id}/kpis", summary="KPI 指标 / A store's KPIs of a month", url_name="reports_kpis")
def store_kpis(request, store_id: int, month: str = ""):
    store, first = _store_and_month(request, store_id, month)
    actuals = figures.kpi_actuals(stores=[store], month=first)
    lines = selectors.pdca_sheet(store=store, month=first, actuals=actuals)
    return _jsonable(
        {
            "store": {"id": store.pk, "code": store.code, "name": store.name},
            "month": f"{first:%Y-%m}",
            "kpis": [
                {
                    k: line[k]
                    for k in ("kpi", "label", "target", "direction", "actual", "evaluation", "mark", "definition")
                }
                for line in lines
            ],
        }
    )


@router.get("/stores/{store_id}/css", summary="CSS 满意度 / A store's CSS of a month", url_name="reports_css")
def store_css(request, store_id: int, month: str = ""):
    store, first = _store_and_month(request, store_id, month)
    return _jsonable(
        {"store": store.code, "month": f"{first:%Y-%m}", **figures.css_comparison(stores=[store], month=first)}
    )


@router.get(
    "/stores/{store_id}/monthly", summary="月度分析报告 / The monthly analysis report", url_name="reports_monthly"
)
def store_monthly(request, store_id: int, month: str = ""):
    store, first = _store_and_month(request, store_id, month)
    return _jsonable(monthly_report(store=store, month=first))
