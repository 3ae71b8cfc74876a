"""Importing complaints that already exist (issue 15 §4): the manufacturer's hotline/CRM export as CSV or XLSX,
or rows through the API, with their status, times, level and closing fields.

- Idempotent on the case number (案件编号): a row whose case is already in the store changes nothing.
- A complaint imported closed keeps its times and result, never escalates and notifies nobody.
- An open one is placed, once, at the level its history reaches (one level per deadline passed since it was
  received, counted with the store's clock), with one notification to its current owner, not a cascade of
  escalations; the first-contact and written-report reminders it is already late for are recorded as sent in
  that notification, so the sweep does not send them again.
- Every rejected row is listed with its row number, field, value and reason; a dry run writes nothing.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.accounts.selectors import has_role
from huifang.archive.importing.fields import normalize_header
from huifang.archive.importing.parsing import FieldError, clean_text, parse_amount, parse_bool, parse_datetime
from huifang.archive.importing.reading import UnreadableFile, read_workbook
from huifang.archive.importing.streaming import HIDDEN_ROW_REASON
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record

from . import rules
from .choices import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintLevel,
    ComplaintNature,
    ComplaintStatus,
    EventKind,
)
from .models import Complaint
from .selectors import COMPLAINT_ROLES, level_recipients, policy_for
from .services.common import deadline, event_add, level_deadline, notify_about
from .services.escalation import FIRST_CONTACT_OVERDUE_KEY, MEDIA_REPORT_OVERDUE_KEY
from .services.intake import _level1_owner, archive_match, major_check, next_number, validate_fields

# Who may import existing complaints: the store's care director, service manager and administrators.
IMPORT_ROLES = frozenset({Role.CARE_DIRECTOR, Role.SERVICE_MANAGER, Role.ADMIN})

# Column headers accepted (Chinese or English, case and spaces ignored) and the field each one fills.
COLUMNS: dict[str, tuple[str, ...]] = {
    "external_case_no": (
        "案件编号",
        "厂家案件号",
        "投诉编号",
        "工单编号",
        "案件号",
        "case_no",
        "case number",
        "case",
        "case no",
        "case id",
        "ticket no",
    ),
    "received_at": (
        "受理时间",
        "投诉时间",
        "来电时间",
        "受理日期",
        "投诉日期",
        "received_at",
        "received",
        "received time",
        "receive time",
        "complaint time",
    ),
    "channel": ("渠道", "投诉渠道", "来源", "channel"),
    "category": ("类别", "投诉类别", "分类", "category"),
    "nature": ("性质", "投诉性质", "nature"),
    "content": ("投诉内容", "内容", "问题描述", "content", "description", "complaint content", "complaint"),
    "customer_name": ("客户姓名", "客户", "姓名", "客户名称", "customer_name", "customer", "customer name", "name"),
    "phone": (
        "联系电话",
        "电话",
        "手机",
        "手机号",
        "联系方式",
        "phone",
        "mobile",
        "tel",
        "telephone",
        "contact number",
    ),
    "vin": ("车架号", "vin", "vin no", "车辆识别代号"),
    "plate": ("车牌号", "车牌", "plate", "plate no", "license plate"),
    "model": ("车型", "model"),
    "demand": ("客户诉求", "诉求", "demand"),
    "compensation_demand": ("索赔金额", "要求赔偿金额", "compensation"),
    "status": ("状态", "处理状态", "status"),
    "level": ("级别", "投诉级别", "level"),
    "owner": ("负责人", "处理人", "owner"),
    "first_contacted_at": (
        "首次联系时间",
        "首次回复时间",
        "first_contacted_at",
        "first contacted",
        "first contact time",
    ),
    "closed_at": ("结案时间", "关闭时间", "closed_at", "closed", "closed time", "close time"),
    "result": ("处理结果", "最终结果", "result"),
    "root_cause": ("原因分析", "根本原因", "root_cause", "root cause"),
    "corrective_action": ("纠正措施", "改进措施", "corrective_action", "corrective action"),
    "is_valid": ("是否有效", "有效投诉", "is_valid", "valid"),
}
REQUIRED = ("external_case_no", "received_at", "content")

# Status words of hotline exports (seed 004: On-going, In process, Hold, Closed).
STATUS_WORDS = {
    ComplaintStatus.ONGOING: ("ongoing", "on-going", "未有结论", "待处理", "新建", "未处理", "open"),
    ComplaintStatus.IN_PROCESS: ("in_process", "in process", "处理中", "跟进中", "进行中"),
    ComplaintStatus.HOLD: ("hold", "僵持", "挂起", "暂停"),
    ComplaintStatus.CLOSED: ("closed", "结案", "已结案", "关闭", "已关闭", "已解决", "完成"),
}
CHANNEL_WORDS = {
    ComplaintChannel.IN_STORE: ("in_store", "到店", "现场"),
    ComplaintChannel.PHONE: ("phone", "电话", "热线", "400"),
    ComplaintChannel.LETTER: ("letter", "信函", "邮件", "e-mail", "email"),
    ComplaintChannel.MANUFACTURER: ("manufacturer", "厂家", "厂家转交", "厂方", "cac", "crm"),
    ComplaintChannel.GOVERNMENT: ("government", "政府", "消协", "12315", "市场监管"),
    ComplaintChannel.MEDIA: ("media", "媒体", "网络", "微博"),
    ComplaintChannel.FOLLOW_UP_CALL: ("follow_up_call", "回访"),
    ComplaintChannel.SURVEY: ("survey", "调查", "问卷"),
}
CATEGORY_WORDS = {
    ComplaintCategory.SALES: ("s", "销售"),
    ComplaintCategory.SERVICE: ("sa", "服务", "售后服务"),
    ComplaintCategory.QUALITY: ("sq", "质量", "产品质量"),
    ComplaintCategory.PARTS: ("sp", "配件"),
    ComplaintCategory.OTHER: ("ot", "其他"),
}
NATURE_WORDS = {
    ComplaintNature.GENERAL: ("general", "一般"),
    ComplaintNature.MEDIA_RISK: ("media_risk", "媒体", "潜在媒体曝光"),
    ComplaintNature.CONSUMER_ASSOCIATION: ("consumer_assoc", "消协"),
    ComplaintNature.LEGAL: ("legal", "法律", "法律诉讼"),
}
# A hotline export without a channel column: the complaints came from the manufacturer.
DEFAULT_CHANNEL = ComplaintChannel.MANUFACTURER
DEFAULT_CATEGORY = ComplaintCategory.OTHER


def _key(text: str) -> str:
    return "".join(clean_text(text).lower().split())


def _header_key(text: str) -> str:
    """'Case No.', 'case_no' and 'CASE NO' compare equal; so do '受理时间（必填）' and '受理时间': the DMS import's
    header comparison, with question marks dropped too ('是否有效？')."""
    return normalize_header(clean_text(text)).replace("?", "")


_HEADER_INDEX = {_header_key(word): name for name, words in COLUMNS.items() for word in (name, *words)}


def looks_like_header(cells: list[str]) -> bool:
    """A header row names the case number and the content at least."""
    found = {_HEADER_INDEX.get(_header_key(c)) for c in cells}
    return "external_case_no" in found and "content" in found


@dataclass
class Rejection:
    row: int
    field: str
    value: str
    reason: str


@dataclass
class ImportReport:
    """What an import did: counts and every rejected row with its reason."""

    created: int = 0
    closed: int = 0
    escalated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    # Rows imported with a cell left out (a masked phone), each named like a rejection.
    warnings: list[Rejection] = field(default_factory=list)
    dry_run: bool = False
    complaints: list[int] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.unchanged + len({r.row for r in self.rejected})


def _word(table: dict, value: Any, field_name: str, default=None):
    text = _key(value)
    if not text:
        if default is None:
            raise FieldError(_("Required."))
        return default
    for choice, words in table.items():
        if text == _key(choice) or text in {_key(w) for w in words}:
            return choice
    raise FieldError(_("Unknown value for %(field)s.") % {"field": field_name})


def _level(value: Any) -> int | None:
    text = _key(value).removeprefix("level").removeprefix("l").removesuffix("级")
    if not text:
        return None
    text = {"一": "1", "二": "2", "三": "3", "四": "4"}.get(text, text)
    if text not in {"1", "2", "3", "4"}:
        raise FieldError(_("A level from 1 to 4."))
    return int(text)


def _owner(store: Store, value: Any) -> User | None:
    text = clean_text(value)
    if not text:
        return None
    user = User.objects.filter(Q(username=text) | Q(display_name=text), is_active=True).order_by("pk").first()
    if user is None or not has_role(user=user, store=store, roles=COMPLAINT_ROLES):
        raise FieldError(_("Nobody of this store handles complaints under this name."))
    return user


# A phone the CRM export masked for privacy ('138****5678', '138xxxx5678'): the complaint still counts, the number
# cannot be stored; losing the complaint for it would lose what the import is for.
_MASKED_PHONE = re.compile(r"^\+?[\d\s-]*\d[\d\s-]*[*＊xX•]{2,}[\d\s-]*$")


def masked_phone(text: str) -> bool:
    """True for a phone written with its middle digits hidden, as CRM and hotline exports do."""
    return bool(text) and bool(_MASKED_PHONE.match(text))


def parse_row(*, store: Store, raw: dict[str, Any], now: datetime) -> tuple[dict, list[tuple[str, str, str]]]:
    """One row's cells ({field: cell}) as complaint values, and its problems [(field, value, reason)]."""
    tz = ZoneInfo(store.time_zone or "Asia/Shanghai")
    values: dict[str, Any] = {}
    problems: list[tuple[str, str, str]] = []

    def take(name: str, parse):
        try:
            values[name] = parse(raw.get(name))
        except FieldError as exc:
            problems.append((name, clean_text(raw.get(name)), str(exc)))

    problems.extend((name, "", _("Required.")) for name in REQUIRED if not clean_text(raw.get(name)))
    take("external_case_no", lambda v: clean_text(v)[:64])
    for name in ("received_at", "first_contacted_at", "closed_at"):
        take(name, lambda v: parse_datetime(v, tz) if clean_text(v) else None)
    take("channel", lambda v: _word(CHANNEL_WORDS, v, "channel", DEFAULT_CHANNEL))
    take("category", lambda v: _word(CATEGORY_WORDS, v, "category", DEFAULT_CATEGORY))
    take("nature", lambda v: _word(NATURE_WORDS, v, "nature", ComplaintNature.GENERAL))
    take("status", lambda v: _word(STATUS_WORDS, v, "status", ComplaintStatus.ONGOING))
    take("level", _level)
    take("compensation_demand", parse_amount)
    take("is_valid", parse_bool)
    take("owner", lambda v: _owner(store, v))
    for name in ("content", "customer_name", "phone", "vin", "plate", "model", "demand"):
        values[name] = clean_text(raw.get(name))
    for name in ("result", "root_cause", "corrective_action"):
        values[name] = clean_text(raw.get(name))
    received = values.get("received_at")
    if received is not None and received > now:
        problems.append(("received_at", clean_text(raw.get("received_at")), _("Cannot be in the future.")))
    for name in ("first_contacted_at", "closed_at"):
        moment = values.get(name)
        if moment is not None and received is not None and not received <= moment <= now:
            problems.append((name, clean_text(raw.get(name)), _("Must lie between the received time and now.")))
    if (
        values.get("status") == ComplaintStatus.CLOSED
        and values.get("closed_at") is None
        and "closed_at" not in {p[0] for p in problems}
    ):
        problems.append(("closed_at", "", _("A closed complaint needs its closing time.")))
    return values, problems


def _notice(*, complaint: Complaint, owner: User | None, now: datetime, lines: list[str]) -> None:
    """The one notification of an imported open complaint, to its current owner."""
    if owner is None:
        return
    notify_about(
        complaint=complaint,
        users=[owner],
        now=now,
        title=_("Imported complaint %(number)s is yours (%(level)s): %(customer)s")
        % {
            "number": complaint.number,
            "level": ComplaintLevel(complaint.level).label,
            "customer": complaint.customer_name,
        },
        body="\n".join(lines),
        key="import",
    )


def complaint_import_row(*, store: Store, values: dict, actor: User | None, now: datetime) -> tuple[Complaint, bool]:
    """Write one parsed row (see parse_row); returns (complaint, created). Idempotent on the case number."""
    case = values["external_case_no"]
    existing = Complaint.objects.filter(store=store, external_case_no=case).first()
    if existing is not None:
        return existing, False
    errors: dict[str, str] = {}
    clean = validate_fields(
        store=store,
        values={
            "channel": values["channel"],
            "category": values["category"],
            "nature": values["nature"],
            "content": values["content"],
            "phone": values["phone"],
            "vin": values["vin"],
            "plate": values["plate"],
            "compensation_demand": values.get("compensation_demand"),
        },
        errors=errors,
    )
    customer, vehicle = archive_match(
        store=store,
        customer=None,
        vehicle=None,
        repair_order=None,
        vin=clean["vin"],
        plate=clean["plate"],
        phone=clean["phone"],
    )
    name = values["customer_name"] or (customer.name if customer else "")
    if not name:
        errors["customer_name"] = _("Enter the customer's name (no archive record was found).")
    if errors:
        raise ValidationError(errors)
    policy = policy_for(store=store)
    tz = ZoneInfo(store.time_zone or "Asia/Shanghai")
    received: datetime = values["received_at"]
    status = values["status"]
    closed = status == ComplaintStatus.CLOSED
    start_level = values.get("level") or ComplaintLevel.FRONT_LINE
    owner = values.get("owner")
    first_contact_due = deadline(policy=policy, store=store, start=received, hours=policy.first_contact_hours)
    level, level_due = start_level, level_deadline(policy=policy, store=store, level=start_level, reached_at=received)
    steps: list[rules.EscalationStep] = []
    routed = ""
    if not closed:
        steps = rules.escalation_steps(
            start_level,
            level_due,
            now,
            due_for=lambda lvl, reached: level_deadline(policy=policy, store=store, level=lvl, reached_at=reached),
        )
        if steps:
            level, level_due = steps[-1].to_level, steps[-1].new_due
            recipients = level_recipients(store=store, level=level)
            routed = recipients.why(store)
            owner = recipients.users[0] if recipients.users else owner
        if owner is None:
            owner = _level1_owner(store=store, repair_order=None)
    with transaction.atomic():
        number = next_number(store=store, received_at=received)
        complaint = Complaint(
            store=store,
            number=number,
            external_case_no=case,
            channel=values["channel"],
            category=values["category"],
            nature=values["nature"],
            customer=customer,
            vehicle=vehicle,
            customer_name=name[:100],
            phone=clean["phone"] or (customer.mobile if customer else ""),
            vin=clean["vin"] or (vehicle.vin if vehicle else ""),
            plate=clean["plate"] or (vehicle.plate if vehicle else ""),
            model=values["model"][:50] or (vehicle.model if vehicle else ""),
            content=values["content"],
            demand=values["demand"],
            compensation_demand=clean["compensation_demand"],
            owner=owner,
            level=level,
            status=status,
            received_at=received,
            first_contact_due=first_contact_due,
            first_contacted_at=values.get("first_contacted_at"),
            level_due_at=None if closed else level_due,
            escalated_at=steps[-1].deadline if steps else None,
            result=values["result"],
            root_cause=values["root_cause"],
            corrective_action=values["corrective_action"],
            is_valid=values.get("is_valid"),
            closed_at=values.get("closed_at") if closed else None,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        try:
            with transaction.atomic():
                complaint.save()
        except IntegrityError:
            existing = Complaint.objects.filter(store=store, external_case_no=case).first()
            if existing is None:
                raise
            return existing, False
        # Major-complaint flags from the imported text, without the alerts of a new complaint.
        reasons = major_check(complaint=complaint)
        update: dict = {}
        if reasons:
            update.update(is_major=True, major_reasons=reasons)
            if rules.needs_media_report(reasons) and not closed:
                update["media_report_due"] = deadline(
                    policy=policy, store=store, start=received, hours=policy.media_report_hours
                )
        if update:
            Complaint.objects.filter(pk=complaint.pk).update(**update)
            for key, value in update.items():
                setattr(complaint, key, value)
        event_add(
            complaint=complaint,
            kind=EventKind.INTAKE,
            actor=actor,
            now=now,
            note=_("Imported: case %(case)s received %(received)s, status %(status)s.")
            % {
                "case": case,
                "received": f"{received.astimezone(tz):%Y-%m-%d %H:%M}",
                "status": ComplaintStatus(status).label,
            },
            to_status=status,
            level=start_level,
        )
        lines: list[str] = []
        if steps:
            passed = "、".join(f"{s.deadline.astimezone(tz):%Y-%m-%d %H:%M}" for s in steps)
            note = _("Deadlines passed before the import (%(passed)s): placed at %(level)s, owner %(owner)s.") % {
                "passed": passed,
                "level": ComplaintLevel(level).label,
                "owner": owner or "—",
            }
            if level_due is not None:
                note += " " + _("Next deadline %(due)s.") % {"due": f"{level_due.astimezone(tz):%Y-%m-%d %H:%M}"}
            if routed:
                note += " " + routed
            # Keyed by the last deadline answered, like the sweep's own escalation of it.
            event_add(
                complaint=complaint,
                kind=EventKind.ESCALATE,
                actor=None,
                now=now,
                note=note,
                level=level,
                key=steps[-1].key,
            )
            lines.append(note)
        if not closed:
            if complaint.first_contacted_at is None and first_contact_due <= now:
                text = _("The customer was not contacted within the first-contact deadline.")
                event_add(
                    complaint=complaint,
                    kind=EventKind.ACTION,
                    actor=None,
                    now=now,
                    note=text,
                    key=FIRST_CONTACT_OVERDUE_KEY,
                )
                lines.append(text)
            if complaint.media_report_due is not None and complaint.media_report_due <= now:
                text = _("Media or legal involvement: the written report to the manufacturer is overdue.")
                event_add(
                    complaint=complaint,
                    kind=EventKind.ACTION,
                    actor=None,
                    now=now,
                    note=text,
                    key=MEDIA_REPORT_OVERDUE_KEY,
                )
                lines.append(text)
            if complaint.is_major:
                lines.append(_("Major complaint."))
        else:
            event_add(
                complaint=complaint,
                kind=EventKind.CLOSE,
                actor=None,
                now=values["closed_at"],
                note=values["result"] or _("Closed before the import."),
                from_status=ComplaintStatus.ONGOING,
                to_status=ComplaintStatus.CLOSED,
            )
        audit_record(
            obj=complaint,
            action=AuditAction.CREATE,
            at=now,
            actor=actor,
            source="import",
            changes={"number": number, "case": case, "status": status, "level": level, "owner": owner},
        )
        if not closed:
            _notice(complaint=complaint, owner=owner, now=now, lines=lines)
    complaint.escalation_steps = len(steps)
    return complaint, True


def complaints_import_rows(
    *,
    store: Store,
    rows: Iterable[tuple[int, dict[str, Any] | None]],
    actor: User | None,
    now: datetime,
    dry_run: bool = False,
) -> ImportReport:
    """Import rows ((row number, {field: cell})); each row on its own, so one bad row rejects only itself.
    A dry run does the same work inside a transaction it rolls back: nothing is written or sent."""
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic():
        for number, raw in rows:
            if raw is None:  # hidden in the sheet: left out and named, as in the DMS and appointment imports
                report.rejected.append(Rejection(number, "", "", HIDDEN_ROW_REASON))
                continue
            values, problems = parse_row(store=store, raw=raw, now=now)
            if problems:
                report.rejected += [Rejection(number, f, v, r) for f, v, r in problems]
                continue
            if masked_phone(values["phone"]):
                reason = _("Masked number: the complaint is imported without a phone; it is matched by VIN or plate.")
                report.warnings.append(Rejection(number, "phone", values["phone"], reason))
                values["phone"] = ""
            try:
                with transaction.atomic():
                    complaint, created = complaint_import_row(store=store, values=values, actor=actor, now=now)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    report.rejected.append(Rejection(number, name, clean_text(raw.get(name)), " ".join(messages)))
                continue
            if not created:
                report.unchanged += 1
                continue
            report.created += 1
            report.complaints.append(complaint.pk)
            if complaint.status == ComplaintStatus.CLOSED:
                report.closed += 1
            if getattr(complaint, "escalation_steps", 0):
                report.escalated += 1
        if dry_run:
            transaction.set_rollback(True)
    return report


def read_rows(path: Path | str) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """The data rows of a CSV or XLSX export as (row number, {field: cell}); unknown columns are ignored.
    A row hidden in an XLSX sheet (filtered out or hidden by hand) comes as (row number, None)."""
    book = read_workbook(path, looks_like_header)
    for sheet in book.sheets:
        fields = [_HEADER_INDEX.get(_header_key(h)) for h in sheet.headers]
        hidden = sheet.hidden_rows
        for number, cells in sheet.rows:
            if hidden and number in hidden:
                yield number, None
                continue
            yield number, {f: cells[i] for i, f in enumerate(fields) if f and i < len(cells)}


def complaints_import_file(
    *, store: Store, path: Path | str, actor: User | None, now: datetime, dry_run: bool = False
) -> ImportReport:
    """Import a hotline/CRM export file (CSV in any encoding, or XLSX); UnreadableFile when it cannot be read."""
    return complaints_import_rows(store=store, rows=list(read_rows(path)), actor=actor, now=now, dry_run=dry_run)


__all__ = ["COLUMNS", "ImportReport", "Rejection", "UnreadableFile", "complaints_import_file", "complaints_import_rows"]
