"""Report screens: dashboard, KPIs, CSS, PDCA and targets, benchmark import, monthly report (screen, PDF,
XLSX), staff assessment and recording audits. Every view checks the store first (404 when not visible) and
then the role in that store (403)."""

import re
from datetime import date

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huifang.accounts.selectors import has_role, stores_visible_to
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record
from huifang.core import clock
from huifang.core.form_errors import form_add_validation_errors
from huifang.core.permissions import require_store_role, role_required

from . import dashboard as dash
from . import exports, figures, selectors, services
from .choices import Kpi
from .forms import (
    AuditForm,
    BenchmarkImportForm,
    PdcaForm,
    ReportPolicyForm,
    SampleForm,
    StoreMonthForm,
    TargetForm,
)
from .monthly import monthly_report

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(value: str | None, *, default: date) -> date:
    """?month=2026-10 as its first day; a malformed month is a page that does not exist."""
    if not value:
        return default
    match = MONTH_RE.match(value)
    if not match:
        raise Http404
    return date(int(match[1]), int(match[2]), 1)


def _this_month() -> date:
    return clock.today().replace(day=1)


def _last_month() -> date:
    return _this_month() - relativedelta(months=1)


def _store(request, store_id: int, roles):
    store = get_object_or_404(stores_visible_to(user=request.user), pk=store_id)
    require_store_role(user=request.user, store=store, roles=roles)
    return store


def _chosen(request, roles=selectors.REPORT_ROLES):
    stores = list(selectors.report_stores_for(user=request.user, roles=roles))
    form = StoreMonthForm(request.GET or None, stores=stores)
    if form.is_bound and not form.is_valid():
        raise Http404
    chosen = stores
    if form.is_bound and form.cleaned_data["store"]:
        chosen = [s for s in stores if str(s.pk) == form.cleaned_data["store"]]
    return stores, chosen, form


def _month_nav(month: date) -> dict:
    return {
        "month": month,
        "previous": f"{month - relativedelta(months=1):%Y-%m}",
        "next": f"{month + relativedelta(months=1):%Y-%m}",
    }


@login_required
def dashboard(request):
    """The landing page: my day (specialists), my stores' day and trends (managers), stores side by side."""
    now = clock.now()
    user = request.user
    context: dict = {"definitions": figures.DEFINITIONS}
    if selectors.report_stores_for(user=user, roles=selectors.SPECIALIST_ROLES).exists() or user.is_superuser:
        context["mine"] = dash.specialist_day(user=user, now=now)
    team = list(selectors.report_stores_for(user=user, roles=selectors.TEAM_ROLES))
    if team:
        context["team_stores"] = team
        context["team"] = dash.store_day(stores=team, now=now)
    overview = list(selectors.report_stores_for(user=user, roles=selectors.OVERVIEW_ROLES | selectors.TEAM_ROLES))
    if len(overview) > 1 or selectors.report_stores_for(user=user, roles=selectors.OVERVIEW_ROLES).exists():
        context["side_by_side"] = dash.stores_side_by_side(stores=overview, month=now.date().replace(day=1))
    return render(request, "reports/dashboard.html", context)


@role_required(*selectors.REPORT_ROLES)
def kpis(request):
    stores, chosen, form = _chosen(request)
    month = parse_month(request.GET.get("month"), default=_this_month())
    context = {"form": form, "stores": stores, "chosen": chosen, **_month_nav(month)}
    if chosen:
        follow = figures.followup_kpis(stores=chosen, month=month, by=("store", "specialist", "advisor"))
        names = figures._user_names({r["id"] for r in follow["specialist"] + follow["advisor"] if r["id"] is not None})
        for row in follow["specialist"] + follow["advisor"]:
            row["name"] = names.get(row["id"], "—") if row["id"] is not None else "—"
        by_id = {s.pk: s for s in chosen}
        for row in follow["store"]:
            row["name"] = str(by_id.get(row["id"], ""))
        complaints = figures.complaint_kpis(stores=chosen, month=month)
        context.update(
            complaint_rows=[{"name": s.name, **complaints["stores"][s.pk]} for s in chosen],
            complaints=complaints["total"],
            statistics=figures.complaint_statistics(stores=chosen, month=month),
            followups=follow,
            problems=figures.problem_resolution(stores=chosen, month=month)["total"],
            reminders=figures.reminder_return(stores=chosen, month=month)["total"],
            workshop=figures.workshop_kpis(stores=chosen, month=month)["total"],
            definitions=figures.DEFINITIONS,
        )
    return render(request, "reports/kpis.html", context)


@role_required(*selectors.REPORT_ROLES)
def css(request):
    stores, chosen, form = _chosen(request)
    month = parse_month(request.GET.get("month"), default=_this_month())
    context = {"form": form, "stores": stores, "chosen": chosen, **_month_nav(month)}
    if chosen:
        comparison = figures.css_comparison(stores=chosen, month=month)
        per_store = figures.css_scores(stores=chosen, month=month, by="store")
        context.update(
            css=comparison,
            per_store=[{"store": s, "total": per_store.get(s.pk, {}).get("total")} for s in chosen],
            definition=figures.DEFINITIONS[Kpi.CSS],
            editable=[s for s in chosen if has_role(user=request.user, store=s, roles=selectors.EDITOR_ROLES)],
            # No survey or benchmark figure for the month: the columns say "not imported yet" (issue 17).
            imported=bool(comparison.get("benchmark_total")) or any(i["benchmark"] for i in comparison["items"]),
        )
    return render(request, "reports/css.html", context)


@login_required
def monthly(request, store_id: int):
    store = _store(request, store_id, selectors.REPORT_ROLES)
    month = parse_month(request.GET.get("month"), default=_last_month())
    report = monthly_report(store=store, month=month)
    context = {
        "store": store,
        "report": report,
        "chart_data": exports.chart_data(report),
        "may_edit": has_role(user=request.user, store=store, roles=selectors.EDITOR_ROLES),
        **_month_nav(month),
    }
    return render(request, "reports/monthly.html", context)


def _export(request, store_id: int, kind: str) -> HttpResponse:
    store = _store(request, store_id, selectors.REPORT_ROLES)
    month = parse_month(request.GET.get("month"), default=_last_month())
    report = monthly_report(store=store, month=month)
    audit_record(
        obj=store, action=AuditAction.EXPORT, at=clock.now(), actor=request.user, changes={"monthly_report": kind}
    )
    name = f"monthly-{store.code}-{month:%Y-%m}"
    if kind == "pdf":
        response = HttpResponse(exports.report_pdf(report, request=request), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
        return response
    response = HttpResponse(
        exports.report_xlsx(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
def monthly_pdf(request, store_id: int):
    return _export(request, store_id, "pdf")


@login_required
def monthly_xlsx(request, store_id: int):
    return _export(request, store_id, "xlsx")


@login_required
def pdca(request, store_id: int):
    """Seed 004 PDCA sheet of a store and month; the care director writes the cause analysis and measures."""
    store = _store(request, store_id, selectors.REPORT_ROLES)
    month = parse_month(request.GET.get("month"), default=_last_month())
    may_edit = has_role(user=request.user, store=store, roles=selectors.EDITOR_ROLES)
    status = 200
    errors: dict = {}
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        form = PdcaForm(request.POST)
        if form.is_valid():
            try:
                services.pdca_save(store=store, month=month, actor=request.user, now=clock.now(), **form.cleaned_data)
            except ValidationError as exc:
                errors = {"kpi": form.cleaned_data["kpi"], "messages": exc.message_dict}
                status = 422
            else:
                messages.success(request, _("PDCA line saved."))
                return redirect(f"{request.path}?month={month:%Y-%m}")
        else:
            errors = {"kpi": request.POST.get("kpi"), "messages": form.errors}
            status = 422
    actuals = figures.kpi_actuals(stores=[store], month=month)
    lines = selectors.pdca_sheet(store=store, month=month, actuals=actuals)
    context = {"store": store, "lines": lines, "may_edit": may_edit, "errors": errors, **_month_nav(month)}
    return render(request, "reports/pdca.html", context, status=status)


@login_required
def pdca_entry(request, entry_id: int):
    """One PDCA line on its own page (linked from the monthly report's action plan review)."""
    entry = get_object_or_404(selectors.pdca_entries_for(user=request.user), pk=entry_id)
    form = PdcaForm(
        request.POST or None,
        initial={
            "kpi": entry.kpi,
            "cause_analysis": entry.cause_analysis,
            "measures": entry.measures,
            "owner": entry.owner,
            "completion_date": entry.completion_date,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "kpi": entry.kpi}
        try:
            services.pdca_save(store=entry.store, month=entry.month, actor=request.user, now=clock.now(), **data)
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        else:
            messages.success(request, _("PDCA line saved."))
            return redirect(f"{_url('reports:pdca', entry.store_id)}?month={entry.month:%Y-%m}")
    status = 422 if request.method == "POST" else 200
    return render(request, "reports/pdca_entry.html", {"entry": entry, "form": form}, status=status)


def _url(name: str, *args) -> str:
    return reverse(name, args=args)


@login_required
def targets(request, store_id: int):
    """The store's KPI targets and its report settings (care director)."""
    store = _store(request, store_id, selectors.EDITOR_ROLES)
    current = selectors.targets_for(store=store)
    policy = figures.policy_for(store=store)
    posted = request.POST if request.method == "POST" else None
    form = TargetForm(posted, targets=current)
    policy_form = ReportPolicyForm(posted, initial={name: getattr(policy, name) for name in services.POLICY_FIELDS})
    context = {"store": store, "form": form, "policy_form": policy_form}
    if request.method == "POST":
        if not (form.is_valid() and policy_form.is_valid()):
            return render(request, "reports/targets.html", context, status=422)
        now = clock.now()
        for kpi, row in current.items():
            target = form.cleaned_data[f"target_{kpi}"]
            direction = form.cleaned_data[f"direction_{kpi}"]
            if target != row["target"] or direction != row["direction"] or not row["own"]:
                services.target_update(
                    store=store, kpi=kpi, target=target, direction=direction, actor=request.user, now=now
                )
        changed = {k: v for k, v in policy_form.cleaned_data.items() if getattr(policy, k) != v}
        if changed:
            services.report_policy_update(store=store, actor=request.user, now=now, **changed)
        messages.success(request, _("Targets saved."))
        return redirect("reports:targets", store_id=store.pk)
    return render(request, "reports/targets.html", context)


@login_required
def benchmarks(request, store_id: int):
    """Import the manufacturer's CSS table (上期/本期/RBO/全国平均分 rows, one column per CSS item)."""
    store = _store(request, store_id, selectors.EDITOR_ROLES)
    form = BenchmarkImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            month = parse_month(form.cleaned_data["month"], default=_last_month())
            rows = services.benchmark_rows_read(name=upload.name, content=upload.read())
            result = services.benchmark_import(
                store=store,
                month=month,
                rows=rows,
                actor=request.user,
                now=clock.now(),
                dry_run=form.cleaned_data["dry_run"],
            )
            if result["errors"]:
                status = 422
            elif result["saved"]:
                messages.success(request, _("%(n)s CSS items imported.") % {"n": result["items"]})
                return redirect(f"{_url('reports:css')}?store={store.pk}&month={month:%Y-%m}")
        else:
            status = 422
    return render(request, "reports/benchmarks.html", {"store": store, "form": form, "result": result}, status=status)


@login_required
def staff(request, store_id: int):
    """Seed 003 staff assessment: per specialist tasks done, on time, reach, audit score; implausible calls."""
    store = _store(request, store_id, selectors.STAFF_ROLES)
    month = parse_month(request.GET.get("month"), default=_this_month())
    context = {
        "store": store,
        "rows": figures.staff_assessment(store=store, month=month),
        "flags": figures.implausible_calls(store=store, month=month),
        "audits": list(selectors.audits_for_month(store=store, month=month)),
        "policy": figures.policy_for(store=store),
        "may_audit": has_role(user=request.user, store=store, roles=selectors.EDITOR_ROLES),
        "sample_form": SampleForm(),
        "definitions": figures.DEFINITIONS,
        **_month_nav(month),
    }
    return render(request, "reports/staff.html", context)


@require_POST
@login_required
def audit_sample(request, store_id: int):
    store = _store(request, store_id, selectors.EDITOR_ROLES)
    month = parse_month(request.GET.get("month"), default=_this_month())
    form = SampleForm(request.POST)
    seed = form.cleaned_data["seed"] if form.is_valid() else ""
    created = services.audit_sample(store=store, month=month, actor=request.user, now=clock.now(), seed=seed)
    messages.success(request, _("%(n)s recordings sampled.") % {"n": len(created)})
    return redirect(f"{_url('reports:staff', store.pk)}?month={month:%Y-%m}")


@login_required
def audit_edit(request, audit_id: int):
    audit = get_object_or_404(selectors.audits_for(user=request.user), pk=audit_id)
    form = AuditForm(request.POST or None, initial={"score": audit.score, "notes": audit.notes})
    if request.method == "POST":
        if form.is_valid():
            services.audit_score_save(audit=audit, actor=request.user, now=clock.now(), **form.cleaned_data)
            messages.success(request, _("Audit saved."))
            return redirect(f"{_url('reports:staff', audit.store_id)}?month={audit.month:%Y-%m}")
        return render(request, "reports/audit_edit.html", {"audit": audit, "form": form}, status=422)
    return render(request, "reports/audit_edit.html", {"audit": audit, "form": form})
