"""Pure decisions of the call workbench: the weighted CSS score, which answers open an issue, the
script with names filled in, and whether the customer's best contact time allows a call now.
No ORM, no clock: callers pass the answers, the store's policy values and the local time."""

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from .choices import IssueAction, QuestionKind
from .defaults import COME_BACK_CODE, OVERALL_CODE

SCORED_KINDS = frozenset({QuestionKind.SCALE_10, QuestionKind.SCALE_5, QuestionKind.YES_NO})
# The highest value of each scale (yes/no is stored as 1 = yes, 0 = no).
SCALE_MAX = {QuestionKind.SCALE_10: 10, QuestionKind.SCALE_5: 5, QuestionKind.YES_NO: 1}
SCALE_MIN = {QuestionKind.SCALE_10: 1, QuestionKind.SCALE_5: 1, QuestionKind.YES_NO: 0}
_HUNDREDTH = Decimal("0.01")


def value_in_scale(kind: str, value: int | None) -> bool:
    """Whether `value` is a possible answer of a question of `kind` (None = not answered, always fine)."""
    if value is None:
        return True
    if kind not in SCALE_MAX:
        return False
    return SCALE_MIN[kind] <= value <= SCALE_MAX[kind]


def normalised(kind: str, value: int) -> Decimal:
    """An answer on the 0–100 scale: 10-point v -> 10v, 5-point v -> 20v, yes -> 100, no -> 0."""
    if kind == QuestionKind.SCALE_10:
        return Decimal(value) * 10
    if kind == QuestionKind.SCALE_5:
        return Decimal(value) * 20
    if kind == QuestionKind.YES_NO:
        return Decimal(100) if value else Decimal(0)
    raise ValueError(f"{kind!r} is not scored")


def on_ten(kind: str, value: int) -> Decimal:
    """An answer on the 1–10 scale the thresholds use: a 5-point answer counts double."""
    return Decimal(value) * 2 if kind == QuestionKind.SCALE_5 else Decimal(value)


def weighted_score(answers: Iterable[tuple[str, Decimal | int, int | None]]) -> Decimal | None:
    """The call's CSS score 0–100: every answered scored question with a weight, weighted over the weights
    of the questions answered (a skipped question neither lowers nor raises it); None if none answered."""
    total = Decimal(0)
    weights = Decimal(0)
    for kind, weight, value in answers:
        weight = Decimal(weight)
        if value is None or kind not in SCORED_KINDS or weight <= 0:
            continue
        total += normalised(kind, value) * weight
        weights += weight
    if weights == 0:
        return None
    return (total / weights).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


class AnswerFact(NamedTuple):
    """What the issue rules need to know of one answer."""

    code: str
    text: str
    kind: str
    value: int | None


def _fmt(number: Decimal) -> str:
    return f"{number.normalize():f}"


def issue_actions(answers: Iterable[AnswerFact], policy: Mapping) -> list[tuple[str, str]]:
    """[(action, reason in words)] the store's call policy asks for, given the answers; actions "none"
    are left out. `policy` holds low_overall_score/_action, no_return_action, low_item_score/_action."""
    actions: list[tuple[str, str]] = []
    for answer in answers:
        if answer.value is None or answer.kind not in SCORED_KINDS:
            continue
        if answer.code == OVERALL_CODE:
            score = on_ten(answer.kind, answer.value)
            if score <= policy["low_overall_score"]:
                actions.append(
                    (
                        policy["low_overall_action"],
                        f"整体满意度 {_fmt(score)} 分，不高于 {policy['low_overall_score']} 分",
                    )
                )
        elif answer.code == COME_BACK_CODE:
            if answer.kind == QuestionKind.YES_NO and answer.value == 0:
                actions.append((policy["no_return_action"], f"“{answer.text}”回答：否"))
        elif answer.kind != QuestionKind.YES_NO:
            score = on_ten(answer.kind, answer.value)
            if score <= policy["low_item_score"]:
                actions.append(
                    (
                        policy["low_item_action"],
                        f"“{answer.text}” {_fmt(score)} 分，不高于 {policy['low_item_score']} 分",
                    )
                )
    return [(action, reason) for action, reason in actions if action != IssueAction.NONE]


def strongest_action(actions: Sequence[tuple[str, str]]) -> str:
    """A complaint wins over a problem record; none when nothing asked for either."""
    kinds = {action for action, _reason in actions}
    if IssueAction.COMPLAINT in kinds:
        return IssueAction.COMPLAINT
    if IssueAction.PROBLEM in kinds:
        return IssueAction.PROBLEM
    return IssueAction.NONE


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def script_render(steps: Iterable[Mapping], context: Mapping[str, object]) -> list[dict]:
    """The script's steps with the placeholders filled in; a placeholder without a value stays as written
    ("{next_service_km}") so the caller sees what to ask, and is listed in the step's `missing`."""
    rendered = []
    for number, step in enumerate(steps, start=1):
        missing: list[str] = []

        def fill(match: re.Match, missing: list[str] = missing) -> str:
            value = context.get(match.group(1))
            if value is None or value == "":
                missing.append(match.group(1))
                return match.group(0)
            return str(value)

        rendered.append(
            {
                "number": number,
                "title": str(step.get("title", "")),
                "text": _PLACEHOLDER.sub(fill, str(step.get("text", ""))),
                "missing": missing,
            }
        )
    return rendered


def placeholders_in(steps: Iterable[Mapping]) -> set[str]:
    """Every placeholder name a script uses."""
    return {name for step in steps for name in _PLACEHOLDER.findall(str(step.get("text", "")))}


# Words of a best contact time (最佳联络时间) and the hours they mean, start inclusive, end not.
_PERIODS: dict[str, tuple[time, time]] = {
    "早上": (time(7), time(9)),
    "上午": (time(8), time(12)),
    "中午": (time(11, 30), time(13, 30)),
    "下午": (time(13), time(18)),
    "傍晚": (time(17), time(19)),
    "晚上": (time(18), time(22)),
    "白天": (time(8), time(18)),
}
_ANYTIME = ("随时", "任何时间", "都可以", "全天")
_WEEKEND = ("周末", "星期六", "星期日", "星期天", "周六", "周日", "双休")
_WEEKDAY = ("工作日", "平时", "周一至周五", "周一到周五")
_HOUR = r"(\d{1,2})(?:[:：点](\d{1,2}|半)?)?"
_RANGE = re.compile(_HOUR + r"\s*(?:点)?\s*(?:-|~|～|—|到|至)\s*" + _HOUR + r"\s*点?")
_AFTER = re.compile(_HOUR + r"\s*点?\s*(?:以后|之后|后)")
_BEFORE = re.compile(_HOUR + r"\s*点?\s*(?:以前|之前|前)")


def _clock(hour: str, minute: str | None, *, afternoon: bool) -> time:
    h = int(hour)
    m = 30 if minute == "半" else int(minute or 0)
    if afternoon and h < 12:
        h += 12
    return time(min(h, 23), min(m, 59))


@functools.lru_cache(maxsize=4096)
def best_time_windows(text: str) -> tuple[tuple[tuple[time, time], ...], bool | None, bool]:
    """(time windows, weekend wanted: True/False/None, anytime) read from a best-contact-time text. Kept per
    text: a queue page reads fifty customers' texts, most of them the same few phrases."""
    text = (text or "").strip()
    anytime = any(word in text for word in _ANYTIME)
    weekend: bool | None = None
    if any(word in text for word in _WEEKEND):
        weekend = True
    elif any(word in text for word in _WEEKDAY):
        weekend = False
    afternoon = any(word in text for word in ("下午", "晚上", "傍晚"))
    windows: list[tuple[time, time]] = []
    numeric = text
    for match in _RANGE.finditer(text):
        start = _clock(match.group(1), match.group(2), afternoon=afternoon)
        end = _clock(match.group(3), match.group(4), afternoon=afternoon)
        if end <= start and afternoon is False and int(match.group(3)) < 12:
            end = _clock(match.group(3), match.group(4), afternoon=True)
        windows.append((start, end))
        numeric = numeric.replace(match.group(0), " ")
    for match in _AFTER.finditer(numeric):
        windows.append((_clock(match.group(1), match.group(2), afternoon=afternoon), time(23, 59, 59)))
        numeric = numeric.replace(match.group(0), " ")
    for match in _BEFORE.finditer(numeric):
        windows.append((time(0), _clock(match.group(1), match.group(2), afternoon=afternoon)))
        numeric = numeric.replace(match.group(0), " ")
    if not windows:
        windows = [span for word, span in _PERIODS.items() if word in text]
    return tuple(windows), weekend, anytime


def best_time_ok(text: str, local_time: datetime) -> bool | None:
    """Whether `local_time` (the store's wall clock) falls in the customer's best contact time;
    None when the text says nothing we can read ("", "找前台", ...)."""
    windows, weekend, anytime = best_time_windows(text)
    if not windows and weekend is None and not anytime:
        return None
    if weekend is not None and (local_time.weekday() >= 5) != weekend:
        return False
    if anytime or not windows:
        return True
    moment = local_time.time()
    return any(start <= moment < end for start, end in windows)
