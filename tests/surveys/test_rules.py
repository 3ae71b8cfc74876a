from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from huifang.surveys import defaults, rules
from huifang.surveys.choices import LinkState
from huifang.surveys.tokens import token_make, token_read
from huifang.workbench.rules import AnswerFact

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, tzinfo=SH)
DEFAULTS = {
    "dissatisfied_scale_10": defaults.DISSATISFIED_SCALE_10,
    "dissatisfied_scale_5": defaults.DISSATISFIED_SCALE_5,
    "dissatisfied_no": defaults.DISSATISFIED_NO,
    "hot_total_below": defaults.HOT_TOTAL_BELOW,
}


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("scale10", 6, True),
        ("scale10", 7, False),
        ("scale10", 1, True),
        ("scale5", 2, True),
        ("scale5", 3, False),
        ("yes_no", 0, True),
        ("yes_no", 1, False),
        ("text", None, False),
        ("scale10", None, False),
    ],
)
def test_dissatisfied_per_question_kind_with_the_default_thresholds(kind, value, expected):
    assert rules.is_dissatisfied(kind, value, DEFAULTS) is expected


def test_a_store_may_move_the_thresholds():
    strict = DEFAULTS | {"dissatisfied_scale_10": 8, "dissatisfied_no": False}
    assert rules.is_dissatisfied("scale10", 8, strict) is True
    assert rules.is_dissatisfied("yes_no", 0, strict) is False


def test_hot_reasons_name_each_dissatisfied_answer_and_a_low_total():
    # given a 5/10 on reception, a "no" on coming back and a total of 79.5
    answers = [
        AnswerFact("overall", "整体满意度", "scale10", 9),
        AnswerFact("reception", "接待", "scale10", 5),
        AnswerFact("come_back", "是否会再来", "yes_no", 0),
    ]
    # when
    reasons = rules.hot_reasons(answers, Decimal("79.50"), DEFAULTS)
    # then
    assert reasons == [
        "问卷链接：“接待”回答 5，属不满意",
        "问卷链接：“是否会再来”回答 否，属不满意",
        "问卷链接：总分 79.5 分，低于 80 分",
    ]


def test_a_good_answer_at_the_threshold_total_is_not_hot():
    answers = [AnswerFact("overall", "整体满意度", "scale10", 8)]
    assert rules.hot_reasons(answers, Decimal("80"), DEFAULTS) == []
    assert rules.hot_reasons(answers, None, DEFAULTS) == []


def test_link_state_answered_wins_over_expired():
    expires = NOW + timedelta(days=7)
    assert rules.link_state(answered_at=None, expires_at=expires, now=NOW) == LinkState.OPEN
    assert rules.link_state(answered_at=None, expires_at=expires, now=expires) == LinkState.EXPIRED
    assert rules.link_state(answered_at=NOW, expires_at=expires, now=expires + timedelta(days=1)) == (
        LinkState.ANSWERED
    )


def test_a_token_round_trips_and_any_changed_character_breaks_it():
    token = token_make(link_id=42, nonce="abc123")
    assert token_read(token) == (42, "abc123")
    for i in range(len(token)):
        changed = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        assert token_read(changed) is None, i
    assert token_read("") is None
    assert token_read("not-a-token") is None
