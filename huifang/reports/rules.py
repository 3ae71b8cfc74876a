"""Pure report rules: rates, PDCA evaluation, handling-time buckets, answer normalisation. No ORM, no clock."""

import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from .choices import Direction, Evaluation

# Handling-time buckets of seed 004's monthly complaint table (顾客投诉处理时效): (code, label, upper bound in
# days, inclusive). A complaint closed after exactly 3 × 24 h is "within 3 days"; one minute more is "4–7 days".
# Durations are measured in whole elapsed time (closed_at − received_at), not calendar dates.
BUCKETS: tuple[tuple[str, str, int | None], ...] = (
    ("d3", "3日内", 3),
    ("d7", "4-7日内", 7),
    ("d14", "8-14日内", 14),
    ("d30", "15-30日内", 30),
    ("d60", "1-2个月内", 60),
    ("over60", "2个月以上", None),
)

# Points of a 0–100 score per answer value: 10-point scale ×10, 5-point ×20, yes/no 1 → 100 and 0 → 0.
SCALE_FACTORS = {"scale10": 10, "scale5": 20, "yes_no": 100}

MARKS = {Evaluation.MET: "✓", Evaluation.IMPROVE: "△", Evaluation.BELOW: "×", Evaluation.NO_DATA: "—"}


def rate(part: int | None, whole: int | None) -> Decimal | None:
    """part / whole × 100, one decimal (half up); None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(100) * Decimal(part or 0) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def bucket_for(duration: timedelta) -> str:
    """The handling-time bucket code of a closed complaint."""
    for code, _label, days in BUCKETS:
        if days is not None and duration <= timedelta(days=days):
            return code
    return BUCKETS[-1][0]


def evaluate(
    *, actual: Decimal | float | None, target: Decimal, direction: str = Direction.HIGHER, tolerance: Decimal
) -> str:
    """Seed 004 PDCA evaluation: met when at or beyond the target, needs improvement when at most `tolerance`
    points short, below target otherwise; no data when there is no actual value."""
    if actual is None:
        return Evaluation.NO_DATA
    actual = Decimal(str(actual))
    gap = target - actual if direction == Direction.HIGHER else actual - target
    if gap <= 0:
        return Evaluation.MET
    if gap <= tolerance:
        return Evaluation.IMPROVE
    return Evaluation.BELOW


def answer_points(kind: str, value: int | None) -> Decimal | None:
    """An answer on the 0–100 scale; None for free text or no value."""
    factor = SCALE_FACTORS.get(kind)
    if factor is None or value is None:
        return None
    return Decimal(value * factor)


def weighted_total(scores: list[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    """Σ weight × question score / Σ weight over (weight, score) pairs that have a score and a weight > 0."""
    pairs = [(Decimal(w), Decimal(s)) for w, s in scores if s is not None and w and Decimal(w) > 0]
    total_weight = sum((w for w, _s in pairs), Decimal(0))
    if not total_weight:
        return None
    value = sum((w * s for w, s in pairs), Decimal(0)) / total_weight
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def sample_calls(call_ids: list[int], *, size: int, seed: str) -> list[int]:
    """`size` of the call ids drawn at random, the same draw for the same seed and ids (sorted first)."""
    ids = sorted(call_ids)
    if len(ids) <= size:
        return ids
    return sorted(random.Random(seed).sample(ids, size))
