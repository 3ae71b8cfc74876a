from datetime import timedelta
from decimal import Decimal as D

import pytest

from huifang.reports import rules
from huifang.reports.choices import Direction, Evaluation


@pytest.mark.parametrize(
    ("duration", "bucket"),
    [
        (timedelta(hours=1), "d3"),
        (timedelta(days=3), "d3"),  # exactly 72 h is still "3日内"
        (timedelta(days=3, minutes=1), "d7"),
        (timedelta(days=7), "d7"),
        (timedelta(days=7, seconds=1), "d14"),
        (timedelta(days=14), "d14"),
        (timedelta(days=15), "d30"),
        (timedelta(days=30), "d30"),
        (timedelta(days=31), "d60"),
        (timedelta(days=60), "d60"),
        (timedelta(days=60, hours=1), "over60"),
    ],
)
def test_handling_time_bucket_edges(duration, bucket):
    assert rules.bucket_for(duration) == bucket


@pytest.mark.parametrize(
    ("actual", "target", "direction", "expected", "mark"),
    [
        (D("100"), D("100"), Direction.HIGHER, Evaluation.MET, "✓"),
        (D("96.2"), D("95"), Direction.HIGHER, Evaluation.MET, "✓"),
        (D("95"), D("100"), Direction.HIGHER, Evaluation.IMPROVE, "△"),  # exactly 5 points short
        (D("94.9"), D("100"), Direction.HIGHER, Evaluation.BELOW, "×"),
        (D("3"), D("5"), Direction.LOWER, Evaluation.MET, "✓"),  # lower is better: under the ceiling
        (D("9"), D("5"), Direction.LOWER, Evaluation.IMPROVE, "△"),
        (D("10.5"), D("5"), Direction.LOWER, Evaluation.BELOW, "×"),
        (None, D("95"), Direction.HIGHER, Evaluation.NO_DATA, "—"),
    ],
)
def test_pdca_evaluation_marks(actual, target, direction, expected, mark):
    result = rules.evaluate(actual=actual, target=target, direction=direction, tolerance=D("5"))
    assert result == expected
    assert rules.MARKS[result] == mark


def test_rate_rounds_half_up_and_has_no_value_without_a_base():
    assert rules.rate(2, 3) == D("66.7")
    assert rules.rate(1, 8) == D("12.5")
    assert rules.rate(0, 0) is None


@pytest.mark.parametrize(
    ("kind", "value", "points"),
    [("scale10", 9, D(90)), ("scale5", 4, D(80)), ("yes_no", 1, D(100)), ("yes_no", 0, D(0)), ("text", 5, None)],
)
def test_answers_on_the_0_to_100_scale(kind, value, points):
    assert rules.answer_points(kind, value) == points


def test_weighted_total_skips_unanswered_and_weightless_items():
    # (50 × 80 + 30 × 90) / 80 = 6700 / 80 = 83.75 -> 83.8; the unanswered item and the 0-weight one do not count
    assert rules.weighted_total([(D(50), D(80)), (D(30), D(90)), (D(20), None), (D(0), D(10))]) == D("83.8")
    assert rules.weighted_total([(D(20), None)]) is None


def test_sampling_is_reproducible_by_seed_and_independent_of_order():
    ids = list(range(100, 140))
    first = rules.sample_calls(ids, size=5, seed="2026-10")
    assert first == rules.sample_calls(list(reversed(ids)), size=5, seed="2026-10")
    assert len(first) == 5 and set(first) <= set(ids)
    assert first != rules.sample_calls(ids, size=5, seed="another draw")
    assert rules.sample_calls([3, 1], size=5, seed="x") == [1, 3]  # fewer than the size: all of them
