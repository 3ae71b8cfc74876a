"""The alerts posted to the store's work group: a complaint escalated, a major complaint, a dissatisfied survey.

Each is called inside the transaction that raises the alert (next to its staff notification), with a key
unique to the alert, so the group gets exactly one message per alert whatever sweeps or workers repeat.
No phone number and no full customer name goes to a group: names are masked (张**), free text scrubbed.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation

from huifang.core.links import absolute_url

from . import rules
from .choices import AlertKind
from .services import robot_post

COMPLAINT_PATH = "/complaints/{pk}/"  # the same path as complaints.services.common.COMPLAINT_PATH


def _local(instant: datetime | None, tz_name: str) -> str:
    if instant is None:
        return "—"
    return instant.astimezone(ZoneInfo(tz_name or settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M")


def _complaint_lines(complaint) -> list[str]:
    return [
        f"- 投诉编号：{complaint.number}",
        f"- 顾客：{rules.mask_name(complaint.customer_name)}",
        f"- 当前级别：{complaint.get_level_display()}",
        f"- 负责人：{complaint.owner or '—'}",
        f"- 本级期限：{_local(complaint.level_due_at, complaint.store.time_zone)}",
    ]


def complaint_escalated(*, complaint, now: datetime, why: str, key: str) -> None:
    """One group message per escalation (`key` is the escalation's own: the deadline it answers, or the
    manual escalation's event)."""
    with translation.override(settings.LANGUAGE_CODE):
        title = f"投诉升级：{complaint.number}" + ("（重大投诉）" if complaint.is_major else "")
        lines = [
            *_complaint_lines(complaint),
            f"- 原因：{rules.scrub_numbers(why).strip() or '—'}",
            "",
            f"[查看投诉]({absolute_url(COMPLAINT_PATH.format(pk=complaint.pk))})",
        ]
        robot_post(
            store=complaint.store,
            kind=AlertKind.ESCALATION,
            key=f"complaint:{complaint.pk}:escalate:{key}",
            title=title,
            lines=lines,
            now=now,
            related=complaint,
        )


def complaint_major(*, complaint, now: datetime, reasons: str) -> None:
    """One group message when a complaint becomes major (重大投诉), the first time only."""
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            *_complaint_lines(complaint),
            f"- 判定原因：{rules.scrub_numbers(reasons).strip() or '—'}",
        ]
        if complaint.media_report_due is not None and complaint.media_reported_at is None:
            lines.append(f"- 书面报告厂家截止：{_local(complaint.media_report_due, complaint.store.time_zone)}")
        lines += ["", f"[查看投诉]({absolute_url(COMPLAINT_PATH.format(pk=complaint.pk))})"]
        robot_post(
            store=complaint.store,
            kind=AlertKind.MAJOR,
            key=f"complaint:{complaint.pk}:major",
            title=f"重大投诉：{complaint.number}",
            lines=lines,
            now=now,
            related=complaint,
        )


def survey_hot(*, link, call, now: datetime, reasons: list[str], url: str = "") -> None:
    """One group message per dissatisfied survey answer (hot alert, 热点预警), keyed by the survey link."""
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            f"- 顾客：{rules.mask_name(link.customer.name)}",
            *[f"- {rules.scrub_numbers(reason)}" for reason in reasons],
        ]
        if url:
            lines += ["", f"[查看投诉]({absolute_url(url)})"]
        robot_post(
            store=link.store,
            kind=AlertKind.HOT,
            key=f"survey:{link.pk}:hot",
            title="问卷不满意预警",
            lines=lines,
            now=now,
            related=call,
        )
