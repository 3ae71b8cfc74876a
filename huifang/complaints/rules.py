"""Pure complaint decisions: deadlines (calendar or business hours), levels, major-complaint reasons, risk periods.

No ORM and no clock: callers pass the instant, the store's settings and the calendar function.
"""

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from functools import cache

from .choices import ClockKind, ComplaintChannel, ComplaintLevel, ComplaintNature

# A deadline further than this many days of searching for business hours is a configuration error
# (e.g. business_end before business_start); we stop instead of looping for ever.
MAX_SEARCH_DAYS = 3660

LAST_LEVEL = int(ComplaintLevel.MANUFACTURER)


# --- Deadlines ---------------------------------------------------------------------------------------


def deadline_after(
    start: datetime,
    hours: float,
    *,
    clock: str,
    business_start: time | None = None,
    business_end: time | None = None,
    is_workday: Callable[[date], bool] | None = None,
    hours_on: Callable[[date], tuple[time, time] | None] | None = None,
    tz: tzinfo | None = None,
) -> datetime:
    """The instant `hours` after `start`, counting calendar hours, or only business hours on the store's open days.

    Business hours are the store calendar's opening hours of each day (`hours_on(day)`: (opens, closes) or None
    when closed) in the store's time zone `tz` (default: start's); without a calendar, [business_start,
    business_end) of each day `is_workday` accepts. Time before opening, after closing and on closed days
    (weekends the store does not open, public holidays) does not count; a make-up workday (调休) counts like any
    open day. A deadline that uses up a day's hours exactly ends at closing time.
    """
    return clock_add(
        start,
        timedelta(hours=hours),
        clock=clock,
        hours_on=_hours_fn(hours_on, business_start, business_end, is_workday),
        tz=tz,
    )


def _hours_fn(
    hours_on: Callable[[date], tuple[time, time] | None] | None,
    business_start: time | None,
    business_end: time | None,
    is_workday: Callable[[date], bool] | None,
) -> Callable[[date], tuple[time, time] | None]:
    if hours_on is not None:
        return hours_on
    if business_start is None or business_end is None or is_workday is None:
        raise ValueError("give the store's opening hours (hours_on) or business_start, business_end and is_workday")
    if business_end <= business_start:
        raise ValueError("business hours must end after they start")
    fixed = (business_start, business_end)
    return lambda day: fixed if is_workday(day) else None


def _open_spans(start: datetime, zone: tzinfo, hours_on: Callable[[date], tuple[time, time] | None]):
    """The store's open intervals from `start` on, clipped to start, day by day (at most ten years)."""
    local = start.astimezone(zone)
    day = local.date()
    for _ in range(MAX_SEARCH_DAYS):
        hours = hours_on(day)
        if hours is not None:
            opens = datetime.combine(day, hours[0], tzinfo=zone)
            closes = datetime.combine(day, hours[1], tzinfo=zone)
            begin = max(local, opens)
            if begin < closes:
                yield begin, closes
        day += timedelta(days=1)


def clock_add(
    start: datetime,
    amount: timedelta,
    *,
    clock: str,
    hours_on: Callable[[date], tuple[time, time] | None],
    tz: tzinfo | None = None,
) -> datetime:
    """The instant `amount` of clock time after `start` (calendar time, or the store's open hours only)."""
    if clock != ClockKind.BUSINESS or amount <= timedelta(0):
        return start + amount
    remaining = amount
    for begin, closes in _open_spans(start, tz or start.tzinfo, hours_on):
        available = closes - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise ValueError("no business hours found within ten years")


def clock_between(
    start: datetime,
    end: datetime,
    *,
    clock: str,
    hours_on: Callable[[date], tuple[time, time] | None],
    tz: tzinfo | None = None,
) -> timedelta:
    """Clock time from `start` to `end` (negative when end is earlier): calendar time, or open hours only."""
    if clock != ClockKind.BUSINESS:
        return end - start
    if end < start:
        return -clock_between(end, start, clock=clock, hours_on=hours_on, tz=tz)
    total = timedelta(0)
    for begin, closes in _open_spans(start, tz or start.tzinfo, hours_on):
        if begin >= end:
            break
        total += min(closes, end) - begin
    return total


def level_hours(policy_values: Mapping[str, int], level: int) -> int | None:
    """Hours a level may hold the complaint ({"level1_hours": 24, ...}); None at level 4 (the manufacturer's)."""
    if level >= LAST_LEVEL:
        return None
    return int(policy_values[f"level{level}_hours"])


def next_level(level: int) -> int | None:
    """The level above, or None at the manufacturer's level."""
    return level + 1 if level < LAST_LEVEL else None


@dataclass(frozen=True)
class EscalationStep:
    """One passed deadline: the complaint leaves `from_level` for `to_level`; the new level is due `new_due`."""

    from_level: int
    to_level: int
    deadline: datetime
    new_due: datetime | None

    @property
    def key(self) -> str:
        """The event key: a deadline is answered by exactly one escalation (unique per complaint)."""
        return f"escalate:{self.from_level}:{int(self.deadline.timestamp())}"


def escalation_steps(
    level: int, level_due_at: datetime | None, now: datetime, *, due_for: Callable[[int, datetime], datetime | None]
) -> list[EscalationStep]:
    """Every escalation owed at `now`: one per passed deadline, each next deadline counted from the previous.

    `due_for(level, reached_at)` gives the deadline of `level` reached at `reached_at` (None at level 4).
    If the sweep did not run for days, a complaint climbs several levels, each exactly when it should have.
    """
    steps: list[EscalationStep] = []
    while level_due_at is not None and level_due_at <= now:
        up = next_level(level)
        if up is None:
            break
        new_due = due_for(up, level_due_at)
        steps.append(EscalationStep(level, up, level_due_at, new_due))
        level, level_due_at = up, new_due
    return steps


# --- Major complaint (重大投诉) ---------------------------------------------------------------------

MAJOR_RULE_LABELS = {
    "media_legal": "涉及媒体/法律",
    "nature": "投诉性质",
    "channel": "外部机构转投诉",
    "compensation": "索赔金额超标",
    "repeat_repair": "同一故障多次维修",
    "safety": "安全事件",
    "refused": "经销商和经理处理未果",
}
# Natures that mean media, consumer-association or legal involvement (seed 004 "投诉性质").
RISKY_NATURES = frozenset({ComplaintNature.MEDIA_RISK, ComplaintNature.CONSUMER_ASSOCIATION, ComplaintNature.LEGAL})
# Channels through which media or authorities are already involved (seed 004 channel 5).
RISKY_CHANNELS = frozenset({ComplaintChannel.MEDIA, ComplaintChannel.GOVERNMENT})
# Rules that also start the 4-hour written report to the manufacturer (seed 004: 媒体或司法介入).
MEDIA_REPORT_RULES = frozenset({"media_legal", "nature", "channel"})

_DIGITS = re.compile(r"\d+")
# "3·15", "3.15晚会", "三一五": how people write the consumer-rights day; read as 315.
_THREE_FIFTEEN = re.compile(r"(?:3\s*[·•・.．]\s*15(?!\d)|三\s*[·•・]?\s*一五)")


def split_words(words: str | Iterable[str]) -> list[str]:
    """A policy's word list ("媒体,曝光 记者，律师") as clean words, in order, without duplicates."""
    items = re.split(r"[,，、;；\s]+", words) if isinstance(words, str) else list(words)
    seen: dict[str, None] = {}
    for item in items:
        word = item.strip()
        if word:
            seen.setdefault(word, None)
    return list(seen)


_KNOWN_WORDS: set[str] = set()
_WORDS_LOCK = threading.Lock()


@cache
def _tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def tokens(text: str, words: Iterable[str] = ()) -> list[str]:
    """The text cut into words by jieba, with each policy word known as one token (so 消费者协会 stays whole).

    Digit runs are returned whole ("3150" is not "315"); 12315 (the consumer hotline) also yields 315.
    """
    tokenizer = _tokenizer()
    new_words = [w for w in words if not w.isdigit() and w not in _KNOWN_WORDS]
    if new_words:
        # jieba's add_word grows the dictionary total on every call, so each word is added once.
        with _WORDS_LOCK:
            for word in new_words:
                if word not in _KNOWN_WORDS:
                    tokenizer.add_word(word, freq=100000)
                    _KNOWN_WORDS.add(word)
    text = _THREE_FIFTEEN.sub(" 315 ", text or "")
    result = [t for t in tokenizer.cut(text, HMM=False) if t.strip() and not t.isdigit()]
    for run in _DIGITS.findall(text):
        result.append(run)
        if run.startswith("12") and len(run) > 2:
            result.append(run[2:])
    return result


# A word directly followed by one of these names a warning lamp (发动机故障灯, 气囊灯), not the event itself.
_LAMP_PREFIXES = ("灯", "指示灯", "警告灯", "报警灯", "故障灯")


def matched_words(text: str, words: str | Iterable[str]) -> list[str]:
    """The policy words found as whole tokens of the text, in the policy's order (warning lamps excepted)."""
    wanted = split_words(words)
    cut = tokens(text, wanted)
    found = {
        token for i, token in enumerate(cut) if not (cut[i + 1] if i + 1 < len(cut) else "").startswith(_LAMP_PREFIXES)
    }
    return [w for w in wanted if w in found]


def _reason(rule: str, detail: str) -> dict:
    return {"rule": rule, "label": MAJOR_RULE_LABELS[rule], "detail": detail}


def major_reasons(
    text: str,
    *,
    media_legal_words: str | Iterable[str],
    safety_words: str | Iterable[str],
    compensation: Decimal | None,
    threshold: Decimal,
    repeat_count: int,
    repeat_threshold: int,
    refused_by_manager: bool,
    nature: str = ComplaintNature.GENERAL,
    channel: str = "",
    nature_label: str = "",
    channel_label: str = "",
) -> list[dict]:
    """Which seed 004 major-complaint rules fire, each {"rule", "label", "detail"}; empty when none."""
    reasons = []
    media = matched_words(text, media_legal_words)
    if media:
        reasons.append(_reason("media_legal", "、".join(media)))
    if nature in RISKY_NATURES:
        reasons.append(_reason("nature", nature_label or str(nature)))
    if channel in RISKY_CHANNELS:
        reasons.append(_reason("channel", channel_label or str(channel)))
    if compensation is not None and Decimal(compensation) > Decimal(threshold):
        reasons.append(_reason("compensation", f"¥{Decimal(compensation):,.2f} > ¥{Decimal(threshold):,.2f}"))
    if repeat_threshold and repeat_count >= repeat_threshold:
        reasons.append(_reason("repeat_repair", f"{repeat_count} ≥ {repeat_threshold}"))
    safety = matched_words(text, safety_words)
    if safety:
        reasons.append(_reason("safety", "、".join(safety)))
    if refused_by_manager:
        reasons.append(_reason("refused", "经销商和现场经理已处理，未与客户达成一致"))
    return reasons


def needs_media_report(reasons: Iterable[Mapping]) -> bool:
    """Media or legal involvement asks for the written report to the manufacturer (seed 004: within 4 hours)."""
    return any(r["rule"] in MEDIA_REPORT_RULES for r in reasons)


# --- Repeat repairs ---------------------------------------------------------------------------------

# Words too general to say two faults are the same.
_FAULT_STOP_WORDS = frozenset(
    {
        "客户",
        "车辆",
        "反映",
        "问题",
        "故障",
        "维修",
        "检查",
        "需要",
        "出现",
        "一下",
        "没有",
        "还是",
        "时候",
        "进行",
        "要求",
        "投诉",
        "处理",
        "满意",
        "不满",
        "解决",
        "已经",
        "严重",
        "我们",
        "你们",
        "什么",
        "一直",
    }
)


def fault_keywords(text: str) -> set[str]:
    """The words (two characters or more) that describe a fault, for comparing repair orders."""
    return {t for t in tokens(text) if len(t) >= 2 and not t.isdigit() and t not in _FAULT_STOP_WORDS}


def repeat_repair_count(complaint_text: str, orders: Iterable[tuple[str, bool]]) -> int:
    """How many of the vehicle's repair orders were for the complaint's fault.

    `orders` are (fault description, flagged as repeat repair in the DMS) of the vehicle's orders of the last
    12 months. An order counts when it shares a fault word with the complaint (异响, 抖动, 刹车 ...), or when
    the DMS flagged it as a repeat repair and shares a word with another flagged order.
    """
    wanted = fault_keywords(complaint_text)
    rows = [(fault_keywords(text), flagged) for text, flagged in orders]
    count = 0
    flagged_words: list[set[str]] = [words for words, flagged in rows if flagged]
    for words, flagged in rows:
        if words & wanted or flagged and any(words & other for other in flagged_words if other is not words):
            count += 1
    return count


# --- Risk periods -----------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def risk_periods(
    received: date, *, purchase_date: date | None, model_first_sold: date | None, model: str = ""
) -> list[str]:
    """The seed 004 periods in which major complaints are more likely that the complaint falls into, explained.

    - 3·15: from 1 February (one and a half months before 15 March) to 25 March (10 days after);
    - 3 to 6 months after the vehicle was bought;
    - the first year of a new model: the model's first sale in the archive is less than 12 months ago.
    """
    periods = []
    start, end = date(received.year, 2, 1), date(received.year, 3, 25)
    if start <= received <= end:
        periods.append(f"3·15 消费者权益日前后（{start:%m-%d} 至 {end:%m-%d}）：重大投诉高发期")
    if purchase_date:
        from_day, to_day = _add_months(purchase_date, 3), _add_months(purchase_date, 6)
        if from_day <= received <= to_day:
            periods.append(f"购车后 3–6 个月内（购车 {purchase_date:%Y-%m-%d}）：新车故障易引发重大投诉")
    if model_first_sold and model_first_sold <= received < _add_months(model_first_sold, 12):
        periods.append(f"新车型上市一年内（{model or '该车型'} 首次销售 {model_first_sold:%Y-%m-%d}）")
    return periods
