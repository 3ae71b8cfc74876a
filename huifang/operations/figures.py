"""Monthly figures: showroom sales and workshop throughput (staffing), and seed 002's 顾客统计表 per month and
model. Every figure is an aggregate query grouped by month (and model), never a loop over rows."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db.models import Count, DateField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from huifang.accounts.models import Store
from huifang.archive.models import ArchivePolicy, RepairOrder, Vehicle
from huifang.core.sql import AddMonths, LocalDate

from . import defaults, rules
from .choices import FigureSource
from .models import MonthlyFigure
from .selectors import care_team_for, staffing_cells_for
from .services import staffing_cells_ensure_defaults

# Same default as the archive's lost-customer rule (archive/defaults.py LOST_AFTER_MONTHS, seed 002 流失顾客).
LOST_AFTER_MONTHS_DEFAULT = 12


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _bounds(store: Store, first: date, last: date) -> tuple[ZoneInfo, datetime, datetime]:
    tz = ZoneInfo(store.time_zone)
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + relativedelta(months=1), time.min, tzinfo=tz)
    return tz, start, end


def _sale_date():
    # A car counts as sold in the month of its purchase date, else of its delivery.
    return Coalesce(F("purchase_date"), F("delivery_date"))


def monthly_figures(*, store: Store, months: list[date]) -> dict[date, dict]:
    """Sales and throughput per month (first days): the entered figure, else counted from the archive."""
    first, last = months[0], months[-1]
    tz, start, end = _bounds(store, first, last)
    entered = {row.month: row for row in MonthlyFigure.objects.filter(store=store, month__gte=first, month__lte=last)}
    sold = {
        _as_date(row["m"]): row["n"]
        for row in Vehicle.objects.filter(store=store)
        .annotate(sold_on=_sale_date())
        .filter(sold_on__gte=first, sold_on__lt=last + relativedelta(months=1))
        .annotate(m=TruncMonth("sold_on", output_field=DateField()))
        .order_by()
        .values("m")
        .annotate(n=Count("pk"))
    }
    orders = {
        _as_date(row["m"]): row["n"]
        for row in RepairOrder.objects.filter(store=store, opened_at__gte=start, opened_at__lt=end)
        .annotate(m=TruncMonth("opened_at", output_field=DateField(), tzinfo=tz))
        .order_by()
        .values("m")
        .annotate(n=Count("pk"))
    }
    result = {}
    for month in months:
        figure = entered.get(month)
        sales_entered = figure is not None and figure.showroom_sales is not None
        throughput_entered = figure is not None and figure.workshop_throughput is not None
        result[month] = {
            "month": month,
            "sales": figure.showroom_sales if sales_entered else sold.get(month, 0),
            "sales_source": FigureSource.ENTERED if sales_entered else FigureSource.VEHICLES,
            "throughput": figure.workshop_throughput if throughput_entered else orders.get(month, 0),
            "throughput_source": FigureSource.ENTERED if throughput_entered else FigureSource.REPAIR_ORDERS,
            "counted_sales": sold.get(month, 0),
            "counted_throughput": orders.get(month, 0),
        }
    return result


def _ordered_models(found: set[str]) -> list[str]:
    seed = list(defaults.STATISTICS_MODELS)
    return seed + sorted(m for m in found if m not in seed)


def customer_statistics(*, store: Store, year: int, today: date, lost_after_months: int) -> dict:
    """Seed 002 顾客统计表 for one year: showroom sales, first workshop visits and lost customers per month,
    in total and per model. Sales: vehicles sold (purchase, else delivery date) unless the director entered
    the month's figure; first visits: vehicles whose first repair order opened that month; lost: customers
    whose vehicle became lost that month (last visit + the store's lost-after months, as the archive counts)."""
    months = [date(year, m, 1) for m in range(1, 13)]
    tz, start, end = _bounds(store, months[0], months[-1])
    year_end = date(year, 12, 31)

    def grid(queryset) -> dict[tuple[str, date], int]:
        return {(row["model"] or "", _as_date(row["m"])): row["n"] for row in queryset}

    sales = grid(
        Vehicle.objects.filter(store=store)
        .annotate(sold_on=_sale_date())
        .filter(sold_on__gte=months[0], sold_on__lte=year_end)
        .annotate(m=TruncMonth("sold_on", output_field=DateField()))
        .order_by()
        .values("model", "m")
        .annotate(n=Count("pk"))
    )
    first_order = RepairOrder.objects.filter(vehicle=OuterRef("pk")).order_by("opened_at").values("opened_at")[:1]
    first_visits = grid(
        Vehicle.objects.filter(store=store)
        .annotate(first_at=Subquery(first_order))
        .filter(first_at__gte=start, first_at__lt=end)
        .annotate(m=TruncMonth("first_at", output_field=DateField(), tzinfo=tz))
        .order_by()
        .values("model", "m")
        .annotate(n=Count("pk"))
    )
    last_seen = Coalesce(LocalDate("last_visit_at", tzinfo=tz), F("delivery_date"), F("purchase_date"))
    lost = grid(
        Vehicle.objects.filter(store=store)
        .filter(Q(last_visit_at__lt=end) | Q(last_visit_at__isnull=True))
        .annotate(lost_on=AddMonths(last_seen, Value(lost_after_months)))
        .filter(lost_on__gte=months[0], lost_on__lte=min(year_end, today))
        .annotate(m=TruncMonth("lost_on", output_field=DateField()))
        .order_by()
        .values("model", "m")
        .annotate(n=Count("customer", distinct=True))
    )
    # Totals of lost customers count each customer once per month even with two models.
    lost_total = {
        _as_date(row["m"]): row["n"]
        for row in Vehicle.objects.filter(store=store)
        .filter(Q(last_visit_at__lt=end) | Q(last_visit_at__isnull=True))
        .annotate(lost_on=AddMonths(last_seen, Value(lost_after_months)))
        .filter(lost_on__gte=months[0], lost_on__lte=min(year_end, today))
        .annotate(m=TruncMonth("lost_on", output_field=DateField()))
        .order_by()
        .values("m")
        .annotate(n=Count("customer", distinct=True))
    }
    figures = monthly_figures(store=store, months=months)
    models = _ordered_models({model for model, _m in (*sales, *first_visits, *lost)})

    def per_model(counts: dict) -> list[dict]:
        return [
            {"model": model or "—", "values": [counts.get((model, m), 0) for m in months]}
            for model in models
            if model in defaults.STATISTICS_MODELS or any(counts.get((model, m), 0) for m in months)
        ]

    def block(key: str, label, totals: list[int], counts: dict, sources: list[str] | None = None) -> dict:
        return {
            "key": key,
            "label": label,
            "totals": totals,
            "total": sum(totals),
            "sources": sources,
            "models": [{**row, "total": sum(row["values"])} for row in per_model(counts)],
        }

    sales_totals = [figures[m]["sales"] for m in months]
    return {
        "year": year,
        "months": months,
        "blocks": [
            block("sales", _("Showroom sales"), sales_totals, sales, [figures[m]["sales_source"] for m in months]),
            block(
                "first_visits",
                _("First workshop visits"),
                [sum(v for (_mo, mm), v in first_visits.items() if mm == m) for m in months],
                first_visits,
            ),
            block("lost", _("Lost customers"), [lost_total.get(m, 0) for m in months], lost),
        ],
    }


def staffing_suggestion(*, store: Store, month: date) -> dict:
    """The suggestion for `month` beside the actual team (also used by the API)."""
    staffing_cells_ensure_defaults(store=store)
    cells = staffing_cells_for(store=store)
    figure = monthly_figures(store=store, months=[month])[month]
    rows = sorted({c.row for c in cells})
    columns = sorted({c.column for c in cells})
    grid = {(c.row, c.column): c for c in cells}
    pick = rules.staffing_pick(
        sales=figure["sales"],
        throughput=figure["throughput"],
        throughput_buckets=[(grid[(r, columns[0])].throughput_min, grid[(r, columns[0])].throughput_max) for r in rows],
        sales_buckets=[(grid[(rows[0], c)].sales_min, grid[(rows[0], c)].sales_max) for c in columns],
    )
    return {
        "month": month,
        "figure": figure,
        "cells": cells,
        "table": [(grid[(r, columns[0])].throughput_label, [grid[(r, c)] for c in columns]) for r in rows],
        "sales_labels": [grid[(rows[0], c)].sales_label for c in columns],
        "suggested": grid[(rows[pick.row], columns[pick.column])],
        "clamped": pick.clamped,
        "actual": care_team_for(store=store),
    }


def statistics_table(*, store: Store, year: int, today: date) -> dict:
    """The 顾客统计表 with the store's lost-after months (archive policy, else its default)."""
    lost_after = (
        ArchivePolicy.objects.filter(store=store).values_list("lost_after_months", flat=True).first()
        or LOST_AFTER_MONTHS_DEFAULT
    )
    return customer_statistics(store=store, year=year, today=today, lost_after_months=lost_after)
