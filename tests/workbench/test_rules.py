"""Pure workbench rules: the weighted CSS score, issue actions, scripts and best contact times."""

from datetime import datetime
from decimal import Decimal

import pytest

from huifang.workbench import defaults
from huifang.workbench.rules import AnswerFact, best_time_ok, issue_actions, script_render, weighted_score

S10, S5, YN, TX = "scale10", "scale5", "yes_no", "text"


@pytest.mark.parametrize(
    "answers, expected",
    [
        ([], None),
        ([(S10, 10, None)], None),  # nothing answered
        ([(S10, 0, 8)], None),  # no weight: overall is reported on its own
        ([(TX, 10, None)], None),
        ([(S10, 10, 8)], Decimal("80.00")),
        ([(S10, 10, 8), (S10, 30, 10)], Decimal("95.00")),  # (80*10 + 100*30) / 40
        ([(S5, 20, 3)], Decimal("60.00")),  # 5-point 3 -> 60
        ([(YN, 10, 1), (YN, 10, 0)], Decimal("50.00")),  # yes 100, no 0
        ([(S10, 10, 8), (S10, 30, None)], Decimal("80.00")),  # a skipped question does not count
        ([(S10, 10, 7), (S5, 20, 4), (S10, 0, 1)], Decimal("76.67")),  # (70*10 + 80*20) / 30 = 76.666…
    ],
)
def test_weighted_score(answers, expected):
    assert weighted_score(answers) == expected


def test_seed_weights_add_up_to_100_on_the_css_questions():
    weights = {q["code"]: q["weight"] for q in defaults.QUESTIONS}
    assert sum(weights.values()) == 100
    assert (weights["reception"], weights["done_right"], weights["car_wash"], weights["invoice"]) == (10, 30, 20, 20)
    assert weights["overall"] == weights["come_back"] == weights["suggestions"] == 0


POLICY = {
    "low_overall_score": 6,
    "low_overall_action": "complaint",
    "no_return_action": "complaint",
    "low_item_score": 5,
    "low_item_action": "problem",
}


@pytest.mark.parametrize(
    "facts, policy, expected",
    [
        ([AnswerFact("overall", "整体", S10, 7)], POLICY, []),
        ([AnswerFact("overall", "整体", S10, 6)], POLICY, [("complaint", "整体满意度 6 分，不高于 6 分")]),
        ([AnswerFact("overall", "整体", S5, 3)], POLICY, [("complaint", "整体满意度 6 分，不高于 6 分")]),
        ([AnswerFact("come_back", "会再来吗", YN, 0)], POLICY, [("complaint", "“会再来吗”回答：否")]),
        ([AnswerFact("come_back", "会再来吗", YN, 1)], POLICY, []),
        ([AnswerFact("lounge", "客休室", S10, 5)], POLICY, [("problem", "“客休室” 5 分，不高于 5 分")]),
        ([AnswerFact("lounge", "客休室", S5, 2)], POLICY, [("problem", "“客休室” 4 分，不高于 5 分")]),
        ([AnswerFact("lounge", "客休室", S10, 6)], POLICY, []),
        ([AnswerFact("lounge", "客休室", S10, None)], POLICY, []),
        ([AnswerFact("overall", "整体", S10, 2)], {**POLICY, "low_overall_action": "none"}, []),
        ([AnswerFact("overall", "整体", S10, 2)], {**POLICY, "low_overall_action": "problem"}, [
            ("problem", "整体满意度 2 分，不高于 6 分")]),
    ],
)  # fmt: skip
def test_issue_actions(facts, policy, expected):
    assert issue_actions(facts, policy) == expected


def test_script_fills_placeholders_and_leaves_missing_ones_readable():
    steps = [{"title": "结束语", "text": "{customer}{title}，下次{next_service_km}公里保养，{unknown}"}]
    [step] = script_render(steps, {"customer": "张三", "title": "先生", "next_service_km": ""})
    assert step["text"] == "张三先生，下次{next_service_km}公里保养，{unknown}"
    assert step["missing"] == ["next_service_km", "unknown"]
    assert (step["number"], step["title"]) == (1, "结束语")


def test_script_keeps_braces_that_are_not_placeholders():
    [step] = script_render([{"title": "t", "text": "价格{ 见附表 } {customer}"}], {"customer": "李四"})
    assert step["text"] == "价格{ 见附表 } 李四"


WED = datetime(2026, 11, 25)  # a Wednesday
SAT = datetime(2026, 11, 28)


@pytest.mark.parametrize(
    "text, moment, expected",
    [
        ("", WED.replace(hour=10), None),
        ("找前台", WED.replace(hour=10), None),
        ("晚上", WED.replace(hour=19), True),
        ("晚上", WED.replace(hour=10), False),
        ("上午", WED.replace(hour=10), True),
        ("上午", WED.replace(hour=15), False),
        ("下午", WED.replace(hour=15), True),
        ("中午", WED.replace(hour=12), True),
        ("18:00以后", WED.replace(hour=18, minute=30), True),
        ("18:00以后", WED.replace(hour=17, minute=59), False),
        ("晚上7点后", WED.replace(hour=19, minute=30), True),
        ("晚上7点后", WED.replace(hour=18), False),
        ("9-11点", WED.replace(hour=10), True),
        ("9-11点", WED.replace(hour=11), False),
        ("下午3点到5点", WED.replace(hour=16), True),
        ("10点以前", WED.replace(hour=9), True),
        ("周末", SAT.replace(hour=10), True),
        ("周末", WED.replace(hour=10), False),
        ("周末上午", SAT.replace(hour=15), False),
        ("工作日", WED.replace(hour=10), True),
        ("随时", WED.replace(hour=22), True),
    ],
)
def test_best_time(text, moment, expected):
    assert best_time_ok(text, moment) is expected
