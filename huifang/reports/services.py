"""Report writes: KPI targets, PDCA entries, report settings, CSS benchmark import, recording audits."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from huifang.accounts.models import Store, User
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_entry, audit_record, audit_record_many, field_changes
from huifang.workbench.models import CallRecord, Question

from . import rules
from .choices import Direction, Kpi
from .figures import TOTAL, month_bounds, policy_for
from .models import Benchmark, KpiTarget, PdcaEntry, RecordingAudit, ReportPolicy

POLICY_FIELDS = ("tolerance_points", "implausible_seconds", "implausible_count", "audit_sample_size")


def target_update(*, store: Store, kpi: str, target: Decimal, direction: str, actor: User, now: datetime) -> KpiTarget:
    """Set the store's target of one KPI."""
    if kpi not in Kpi.values:
        raise ValidationError({"kpi": _("Unknown KPI.")})
    if direction not in Direction.values:
        raise ValidationError({"direction": _("Choose higher or lower.")})
    if target is None or target < 0 or target > 100:
        raise ValidationError({"target": _("Enter a value between 0 and 100.")})
    with transaction.atomic():
        row = KpiTarget.objects.filter(store=store, kpi=kpi).first()
        before = {"target": row.target, "direction": row.direction} if row else {}
        row, created = KpiTarget.objects.update_or_create(
            store=store, kpi=kpi, defaults={"target": target, "direction": direction}
        )
        audit_record(
            obj=row,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            at=now,
            actor=actor,
            changes=field_changes(before, {"target": target, "direction": direction}),
        )
    return row


def pdca_save(
    *,
    store: Store,
    month: date,
    kpi: str,
    actor: User,
    now: datetime,
    cause_analysis: str = "",
    measures: str = "",
    owner: str = "",
    completion_date: date | None = None,
) -> PdcaEntry:
    """Write the month's PDCA line of one KPI (cause analysis, measures, owner, completion date)."""
    if kpi not in Kpi.values:
        raise ValidationError({"kpi": _("Unknown KPI.")})
    values = {
        "cause_analysis": cause_analysis.strip(),
        "measures": measures.strip(),
        "owner": owner.strip(),
        "completion_date": completion_date,
    }
    if values["measures"] and not values["owner"]:
        raise ValidationError({"owner": _("Name who carries out the measures.")})
    with transaction.atomic():
        entry = PdcaEntry.objects.select_for_update().filter(store=store, month=month.replace(day=1), kpi=kpi).first()
        before = {k: getattr(entry, k) for k in values} if entry else {}
        entry, created = PdcaEntry.objects.update_or_create(
            store=store,
            month=month.replace(day=1),
            kpi=kpi,
            defaults={**values, "updated_at": now, "updated_by": actor},
        )
        audit_record(
            obj=entry,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            at=now,
            actor=actor,
            changes=field_changes(before, values),
        )
    return entry


def report_policy_update(*, store: Store, actor: User, now: datetime, **values) -> ReportPolicy:
    """Change the store's report settings (tolerance, implausible-call thresholds, audit sample size)."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Unknown setting.")})
    with transaction.atomic():
        policy = policy_for(store=store)
        before = {k: getattr(policy, k) for k in values}
        for key, value in values.items():
            setattr(policy, key, value)
        policy.full_clean()
        policy.save()
        audit_record(obj=policy, action=AuditAction.UPDATE, at=now, actor=actor, changes=field_changes(before, values))
    return policy


# --- CSS benchmark import (seed 002 table) ---------------------------------------------------------------

ROW_FIELDS = {
    "上期": "previous_score",
    "previous": "previous_score",
    "本期": "current_score",
    "current": "current_score",
    "rbo": "region_average",
    "区域平均分": "region_average",
    "区域平均": "region_average",
    "region": "region_average",
    "全国平均分": "national_average",
    "全国平均": "national_average",
    "national": "national_average",
}
# Rows and columns of the seed table that carry no benchmark score.
IGNORED_ROWS = frozenset({"权重", "weight", ""})
IGNORED_COLUMNS = frozenset({"成功样本量", "样本量", "mot分数", "sample", ""})
TOTAL_COLUMNS = frozenset({"css分数", "总分", "total", "css"})


def _cell_text(value) -> str:
    return "" if value is None else str(value).strip()


def benchmark_rows_read(*, name: str, content: bytes) -> list[list]:
    """The cells of an uploaded CSV (UTF-8, with or without BOM, or GB18030) or XLSX file."""
    if name.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("gb18030")
    return [list(row) for row in csv.reader(io.StringIO(text))]


def benchmark_import(
    *, store: Store, month: date, rows: list[list], actor: User, now: datetime, dry_run: bool = False
) -> dict:
    """Import seed 002's CSS table for the store and month: header row of CSS items (question codes or texts,
    CSS分数 for the total), rows 上期/本期/RBO/全国平均分. Nothing is saved when any cell is wrong.
    Returns {"items": n, "errors": [{"row", "column", "message"}], "saved": bool}."""
    errors: list[dict] = []
    rows = [r for r in rows if any(_cell_text(c) for c in r)]
    if not rows:
        return {"items": 0, "errors": [{"row": 1, "column": "", "message": _("The file is empty.")}], "saved": False}
    questions = Question.objects.filter(questionnaire__store=store).values_list("code", "text")
    by_name = {}
    for code, text in questions:
        by_name[code.lower()] = code
        by_name[text.strip().lower()] = code
    columns: dict[int, str] = {}
    for index, cell in enumerate(rows[0][1:], start=1):
        name = _cell_text(cell)
        key = name.lower()
        if key in IGNORED_COLUMNS:
            continue
        if key in TOTAL_COLUMNS:
            columns[index] = TOTAL
        elif key in by_name:
            columns[index] = by_name[key]
        else:
            errors.append({"row": 1, "column": name, "message": _("Not a CSS item of this store's questionnaire.")})
    values: dict[str, dict] = {code: {} for code in columns.values()}
    for number, row in enumerate(rows[1:], start=2):
        label = _cell_text(row[0] if row else "")
        key = label.lower()
        if key in IGNORED_ROWS:
            continue
        field = ROW_FIELDS.get(key)
        if field is None:
            errors.append(
                {"row": number, "column": label, "message": _("Unknown row; use 上期, 本期, RBO or 全国平均分.")}
            )
            continue
        for index, code in columns.items():
            raw = _cell_text(row[index] if index < len(row) else "")
            if not raw:
                continue
            try:
                score = Decimal(raw.rstrip("%"))
            except InvalidOperation:
                score = None
            if score is None or not Decimal(0) <= score <= Decimal(100):
                errors.append(
                    {
                        "row": number,
                        "column": _cell_text(rows[0][index]),
                        "message": _("“%(value)s” is not a score between 0 and 100.") % {"value": raw},
                    }
                )
                continue
            values[code][field] = score
    if errors or dry_run:
        return {"items": len(values), "errors": errors, "saved": False}
    first = month.replace(day=1)
    with transaction.atomic():
        Benchmark.objects.filter(store=store, month=first, code__in=list(values)).delete()
        created = Benchmark.objects.bulk_create(
            Benchmark(store=store, month=first, code=code, imported_at=now, **fields) for code, fields in values.items()
        )
        audit_record(
            obj=store,
            action=AuditAction.IMPORT,
            at=now,
            actor=actor,
            changes={"css_benchmarks": f"{first:%Y-%m}", "items": len(created)},
        )
    return {"items": len(created), "errors": [], "saved": True}


# --- recording audits (seed 003) -------------------------------------------------------------------------


def audit_sample(*, store: Store, month: date, actor: User, now: datetime, seed: str = "") -> list[RecordingAudit]:
    """Sample up to the store's sample size of recorded calls per specialist for the month (topping up
    earlier samples); the same seed on the same calls draws the same ones."""
    first = month.replace(day=1)
    policy = policy_for(store=store)
    start, end = month_bounds(first, _tz(store))
    candidates = (
        CallRecord.objects.filter(store=store, ended_at__gte=start, ended_at__lt=end, caller__isnull=False)
        .filter(~Q(recording="") | ~Q(recording_url=""))
        .filter(audit__isnull=True)
        .values_list("caller", "pk")
    )
    per_caller: dict[int, list[int]] = {}
    for caller, pk in candidates:
        per_caller.setdefault(caller, []).append(pk)
    already = dict(
        RecordingAudit.objects.filter(store=store, month=first)
        .values("specialist")
        .annotate(n=Count("pk"))
        .values_list("specialist", "n")
    )
    new = []
    for caller, ids in sorted(per_caller.items()):
        size = policy.audit_sample_size - already.get(caller, 0)
        if size <= 0:
            continue
        draw = rules.sample_calls(ids, size=size, seed=f"{seed or 'huifang'}:{store.pk}:{first:%Y-%m}:{caller}")
        new.extend(
            RecordingAudit(store=store, call_id=pk, month=first, specialist_id=caller, sampled_at=now) for pk in draw
        )
    with transaction.atomic():
        created = RecordingAudit.objects.bulk_create(new)
        if created and created[0].pk is None:  # backends that do not return ids
            created = list(RecordingAudit.objects.filter(store=store, month=first, sampled_at=now))
        audit_record_many(
            audit_entry(obj=a, action=AuditAction.CREATE, at=now, actor=actor, changes={"call": a.call_id})
            for a in created
        )
    return created


def audit_score_save(*, audit: RecordingAudit, score: int, notes: str, actor: User, now: datetime) -> RecordingAudit:
    """The care director's verdict on a sampled recording (0–100 and notes)."""
    if score is None or not 0 <= score <= 100:
        raise ValidationError({"score": _("Enter a score between 0 and 100.")})
    with transaction.atomic():
        before = {"score": audit.score, "notes": audit.notes}
        audit.score, audit.notes, audit.auditor, audit.audited_at = score, notes.strip(), actor, now
        audit.save(update_fields=["score", "notes", "auditor", "audited_at"])
        audit_record(
            obj=audit,
            action=AuditAction.UPDATE,
            at=now,
            actor=actor,
            changes=field_changes(before, {"score": score, "notes": audit.notes}),
        )
    return audit


def _tz(store: Store) -> ZoneInfo:
    return ZoneInfo(store.time_zone)


# --- monthly e-mail --------------------------------------------------------------------------------------

REPORT_RECIPIENT_ROLES = frozenset({"care_director", "service_manager", "sales_manager"})


def report_recipients(*, store: Store) -> list[User]:
    """Active users with an e-mail address who get the store's monthly report (director and managers)."""
    in_store = Q(memberships__store=store) | Q(memberships__group_id=store.group_id)
    if store.region_id is not None:
        in_store |= Q(memberships__region_id=store.region_id)
    return list(
        User.objects.filter(in_store, memberships__role__in=REPORT_RECIPIENT_ROLES, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def monthly_report_send(*, store: Store, month: date, now: datetime, link: str = "") -> list:
    """Queue the month's KPI sheet (target, actual, mark) as an e-mail to the store's director and managers,
    once per person and month; the full report (screen, PDF, XLSX) is behind the link."""
    from huifang.messaging.choices import MessageChannel, MessagePurpose
    from huifang.messaging.services import message_queue

    from .figures import kpi_actuals
    from .selectors import pdca_sheet

    first = month.replace(day=1)
    lines = pdca_sheet(store=store, month=first, actuals=kpi_actuals(stores=[store], month=first))
    subject = _("Monthly analysis report %(month)s · %(store)s") % {"month": f"{first:%Y-%m}", "store": store.name}
    body = (
        "\n".join(
            [
                subject,
                "",
                "\t".join([_("KPI"), _("Target"), _("Actual"), _("Evaluation")]),
                *(
                    "\t".join(
                        [
                            line["label"],
                            f"{line['target']:g}",
                            "—" if line["actual"] is None else f"{line['actual']}",
                            line["mark"],
                        ]
                    )
                    for line in lines
                ),
                "",
                _("Marks: ✓ met or above target, △ needs improvement, × below target."),
                link,
            ]
        )
        .replace("{", "{{")
        .replace("}", "}}")
    )
    with transaction.atomic():
        return [
            message_queue(
                store=store,
                customer=None,
                channel=MessageChannel.EMAIL,
                purpose=MessagePurpose.SERVICE,
                now=now,
                body=body,
                subject=subject.replace("{", "{{").replace("}", "}}"),
                to_address=user.email,
                idempotency_key=f"monthly-report:{store.pk}:{first:%Y-%m}:user:{user.pk}",
                related=user,
            )
            for user in report_recipients(store=store)
        ]
