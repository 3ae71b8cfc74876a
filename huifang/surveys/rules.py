"""Pure decisions of survey links: which answers are "dissatisfied" (hot alert) and the link's state.
No ORM, no clock: callers pass the answers, the store's policy values and the time."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from huifang.workbench.choices import QuestionKind
from huifang.workbench.rules import AnswerFact

from .choices import LinkState


def is_dissatisfied(kind: str, value: int | None, thresholds: Mapping) -> bool:
    """Whether one answer is "dissatisfied" under the store's thresholds (issue 8 §3); free text never is.
    `thresholds` holds dissatisfied_scale_10, dissatisfied_scale_5 and dissatisfied_no."""
    if value is None:
        return False
    if kind == QuestionKind.SCALE_10:
        return value <= thresholds["dissatisfied_scale_10"]
    if kind == QuestionKind.SCALE_5:
        return value <= thresholds["dissatisfied_scale_5"]
    if kind == QuestionKind.YES_NO:
        return bool(thresholds["dissatisfied_no"]) and value == 0
    return False


def hot_reasons(answers: Iterable[AnswerFact], score: Decimal | None, thresholds: Mapping) -> list[str]:
    """Why the answers call for a hot alert, in words (stored on the call and the complaint, so Chinese);
    empty when they do not. `thresholds` adds hot_total_below to the per-kind values."""
    reasons = []
    for answer in answers:
        if is_dissatisfied(answer.kind, answer.value, thresholds):
            shown = "否" if answer.kind == QuestionKind.YES_NO else str(answer.value)
            reasons.append(f"问卷链接：“{answer.text}”回答 {shown}，属不满意")
    if score is not None and score < thresholds["hot_total_below"]:
        reasons.append(f"问卷链接：总分 {score.normalize():f} 分，低于 {thresholds['hot_total_below']} 分")
    return reasons


def link_state(*, answered_at: datetime | None, expires_at: datetime, now: datetime) -> str:
    """Answered wins over expired: a link answered in time stays answered."""
    if answered_at is not None:
        return LinkState.ANSWERED
    if now >= expires_at:
        return LinkState.EXPIRED
    return LinkState.OPEN
