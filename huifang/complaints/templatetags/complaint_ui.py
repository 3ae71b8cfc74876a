"""Template helpers of the complaint screens: deadline countdowns and major-complaint explanations."""

from datetime import datetime

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


def duration_text(seconds: float) -> str:
    """1天3小时 / 1小时20分 / 20分 (whole minutes, never negative)."""
    minutes = max(int(abs(seconds)) // 60, 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)sd %(h)sh") % {"d": days, "h": hours}
    if hours:
        return _("%(h)sh %(m)smin") % {"h": hours, "m": mins}
    return _("%(m)smin") % {"m": mins}


def countdown_text(deadline: datetime, now: datetime) -> str:
    """剩余 1小时20分 before the deadline, 已超时 3小时 after it."""
    seconds = (deadline - now).total_seconds()
    if seconds >= 0:
        return _("%(time)s left") % {"time": duration_text(seconds)}
    return _("overdue by %(time)s") % {"time": duration_text(seconds)}


@register.simple_tag
def countdown(deadline, now):
    """A <time> the page's script keeps counting; the server renders the first value."""
    if deadline is None:
        return "—"
    overdue = deadline < now
    return format_html(
        '<time class="countdown badge {}" datetime="{}" title="{}">{}</time>',
        "bad" if overdue else "warn" if (deadline - now).total_seconds() < 4 * 3600 else "",
        deadline.isoformat(),
        deadline.strftime("%Y-%m-%d %H:%M"),
        countdown_text(deadline, now),
    )


@register.filter
def major_title(reasons) -> str:
    """Every fired rule with what matched, one per line (for the badge's hover text)."""
    lines = []
    for reason in reasons or ():
        if isinstance(reason, dict):
            detail = reason.get("detail", "")
            label = reason.get("label") or reason.get("rule", "")
            lines.append(f"{label}：{detail}" if detail else str(label))
    return "\n".join(lines)


@register.filter
def status_label(status: str) -> str:
    """The words for a stored status code (timeline entries keep codes)."""
    from ..choices import ComplaintStatus

    if not status:
        return "—"
    try:
        return str(ComplaintStatus(status).label)
    except ValueError:
        return status


@register.simple_tag
def countdown_formats() -> dict:
    """The countdown's phrases for the page script, translated like the server-rendered ones."""
    return {
        "left": _("%(time)s left"),
        "over": _("overdue by %(time)s"),
        "dh": _("%(d)sd %(h)sh"),
        "hm": _("%(h)sh %(m)smin"),
        "m": _("%(m)smin"),
    }


@register.filter
def clock_hours(seconds) -> str:
    """Level clock time as hours and minutes (business hours are not days): 30h 05min, never negative."""
    if seconds is None:
        return "—"
    minutes = max(int(seconds) // 60, 0)
    hours, mins = divmod(minutes, 60)
    return _("%(h)sh %(m)smin") % {"h": hours, "m": f"{mins:02d}"}
