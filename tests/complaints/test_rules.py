"""Pure complaint rules: deadlines computed by hand, levels, major-complaint reasons, risk periods."""

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from huifang.complaints import defaults, major, rules
from huifang.core.calendar import is_workday

SH = ZoneInfo("Asia/Shanghai")
OPEN, CLOSE = time(8, 30), time(17, 30)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def business(start: datetime, hours: float, **kwargs) -> datetime:
    return rules.deadline_after(
        start,
        hours,
        clock="business",
        business_start=kwargs.get("opens", OPEN),
        business_end=kwargs.get("closes", CLOSE),
        is_workday=is_workday,
    )


@pytest.mark.parametrize(
    ("start", "hours", "expected", "why"),
    [
        # Friday 27 Nov 2026 17:00: 30 min left on Friday, 1.5 h on Monday from 08:30.
        (at(2026, 11, 27, 17, 0), 2, at(2026, 11, 30, 10, 0), "over the weekend"),
        (at(2026, 11, 25, 10, 0), 2, at(2026, 11, 25, 12, 0), "inside one day"),
        (at(2026, 11, 25, 7, 0), 2, at(2026, 11, 25, 10, 30), "before opening counts from opening"),
        (at(2026, 11, 25, 20, 0), 2, at(2026, 11, 26, 10, 30), "after closing counts from next opening"),
        (at(2026, 11, 25, 15, 30), 2, at(2026, 11, 25, 17, 30), "uses the day up exactly: closing time"),
        # 24 business hours = 9 h Wed (08:30-17:30 from 10:00 = 7.5 h) + 9 h Thu + 7.5 h Fri -> Fri 16:00.
        (at(2026, 11, 25, 10, 0), 24, at(2026, 11, 27, 16, 0), "a level deadline over three days"),
        # Wed 30 Sep 17:00: 0.5 h, National Day 1-7 Oct off, Thu 8 Oct 08:30 + 1.5 h.
        (at(2026, 9, 30, 17, 0), 2, at(2026, 10, 8, 10, 0), "across the National Day holiday"),
        # 24 h from 30 Sep 17:00: 0.5 + 9 (8 Oct) + 9 (9 Oct) + 5.5 on Saturday 10 Oct, a make-up workday.
        (at(2026, 9, 30, 17, 0), 24, at(2026, 10, 10, 14, 0), "a make-up Saturday (调休) counts"),
        # Saturday 28 Nov 09:00 is no workday: Monday 30 Nov 08:30 + 4 h.
        (at(2026, 11, 28, 9, 0), 4, at(2026, 11, 30, 12, 30), "starting on a weekend"),
    ],
)
def test_business_hours_deadline(start, hours, expected, why):
    assert business(start, hours) == expected, why


def test_business_deadline_in_the_store_time_zone():
    # given an intake at 09:00 UTC = 17:00 in Shanghai on Friday
    start = datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("UTC"))
    # when the store in Shanghai counts 2 business hours
    due = rules.deadline_after(
        start, 2, clock="business", business_start=OPEN, business_end=CLOSE, is_workday=is_workday, tz=SH
    )
    # then Monday 10:00 Shanghai time
    assert due == at(2026, 11, 30, 10, 0)


def test_calendar_clock_counts_plain_hours():
    start = at(2026, 9, 30, 17, 0)
    due = rules.deadline_after(
        start, 24, clock="calendar", business_start=OPEN, business_end=CLOSE, is_workday=is_workday
    )
    assert due == at(2026, 10, 1, 17, 0)


def test_business_hours_that_end_before_they_start_are_refused():
    with pytest.raises(ValueError):
        business(at(2026, 11, 25, 10), 2, opens=time(18), closes=time(9))


def test_level_hours_and_next_level():
    values = {"level1_hours": 24, "level2_hours": 48, "level3_hours": 72}
    assert [rules.level_hours(values, level) for level in (1, 2, 3, 4)] == [24, 48, 72, None]
    assert [rules.next_level(level) for level in (1, 2, 3, 4)] == [2, 3, 4, None]


def _calendar_due(level, reached):
    hours = rules.level_hours({"level1_hours": 24, "level2_hours": 48, "level3_hours": 72}, level)
    return (
        None
        if hours is None
        else rules.deadline_after(
            reached, hours, clock="calendar", business_start=OPEN, business_end=CLOSE, is_workday=is_workday
        )
    )


def test_escalation_steps_one_per_passed_deadline_each_from_the_previous():
    # given level 1 due 26 Nov 10:00 and a sweep that did not run until 3 Dec 12:00
    due = at(2026, 11, 26, 10)
    steps = rules.escalation_steps(1, due, at(2026, 12, 3, 12), due_for=_calendar_due)
    # then 1->2 at 26 Nov 10:00 (due 28 Nov 10:00), 2->3 at 28 Nov 10:00 (due 1 Dec 10:00), 3->4 at 1 Dec 10:00
    assert [(s.from_level, s.to_level, s.deadline, s.new_due) for s in steps] == [
        (1, 2, at(2026, 11, 26, 10), at(2026, 11, 28, 10)),
        (2, 3, at(2026, 11, 28, 10), at(2026, 12, 1, 10)),
        (3, 4, at(2026, 12, 1, 10), None),
    ]
    assert len({s.key for s in steps}) == 3


def test_escalation_steps_stop_at_the_first_future_deadline():
    steps = rules.escalation_steps(1, at(2026, 11, 26, 10), at(2026, 11, 27, 9), due_for=_calendar_due)
    assert [(s.from_level, s.to_level) for s in steps] == [(1, 2)]
    assert rules.escalation_steps(1, at(2026, 11, 26, 10), at(2026, 11, 26, 9), due_for=_calendar_due) == []


def _major(text="", **kwargs):
    values = {
        "media_legal_words": defaults.MEDIA_LEGAL_WORDS,
        "safety_words": defaults.SAFETY_WORDS,
        "compensation": None,
        "threshold": Decimal(defaults.MAJOR_COMPENSATION_RMB),
        "repeat_count": 0,
        "repeat_threshold": defaults.MAJOR_REPEAT_REPAIRS,
        "refused_by_manager": False,
    }
    values.update(kwargs)
    return rules.major_reasons(text, **values)


@pytest.mark.parametrize(
    ("text", "rule", "detail"),
    [
        ("处理不满意我要找记者曝光", "media_legal", "曝光、记者"),
        ("已向消费者协会投诉", "media_legal", "消费者协会"),
        ("客户说要打12315", "media_legal", "315"),
        ("3·15 晚会上见", "media_legal", "315"),
        ("客户表示会请律师起诉", "media_legal", "律师、起诉"),
        ("车辆行驶中突然自燃", "safety", "自燃"),
        ("碰撞后安全气囊没有弹出", "safety", "安全气囊"),
        ("律师函已经发出", "media_legal", "律师函"),
        ("高速上变速箱故障导致车祸", "safety", "车祸"),
    ],
)
def test_major_words_found_with_the_tokenizer(text, rule, detail):
    reasons = _major(text)
    assert [(r["rule"], r["detail"]) for r in reasons] == [(rule, detail)]
    assert reasons[0]["label"] == rules.MAJOR_RULE_LABELS[rule]


@pytest.mark.parametrize(
    "text",
    [
        "请记录一下客户的要求",  # 记录 is not 记者
        "维修费 3150 元",  # a price containing 315
        "保养后发动机有异响",  # no failure word
        "客户要求把行驶记录仪拆下来",
        "中控多媒体屏幕黑屏",  # 多媒体 is not 媒体
        "仪表上发动机故障灯亮了",  # a warning lamp, not an engine failure
        "气囊灯常亮",
        "",
    ],
)
def test_ordinary_text_is_not_major(text):
    assert _major(text) == []


def test_every_rule_fires_with_its_explanation():
    reasons = _major(
        "要找记者",
        compensation=Decimal("15000"),
        repeat_count=3,
        refused_by_manager=True,
        nature="media_risk",
        nature_label="潜在媒体曝光",
        channel="government",
        channel_label="政府/消协",
    )
    assert {r["rule"]: r["detail"] for r in reasons} == {
        "media_legal": "记者",
        "nature": "潜在媒体曝光",
        "channel": "政府/消协",
        "compensation": "¥15,000.00 > ¥10,000.00",
        "repeat_repair": "3 ≥ 3",
        "refused": "经销商和现场经理已处理，未与客户达成一致",
    }
    assert rules.needs_media_report(reasons)


@pytest.mark.parametrize(("amount", "major"), [("10000", False), ("10000.01", True), (None, False)])
def test_compensation_must_be_above_the_threshold(amount, major):
    reasons = _major(compensation=Decimal(amount) if amount else None)
    assert bool(reasons) is major


def test_repeat_repairs_two_is_not_major_three_is():
    assert _major(repeat_count=2) == []
    assert [r["rule"] for r in _major(repeat_count=3)] == ["repeat_repair"]


def test_safety_alone_does_not_ask_for_the_media_report():
    assert not rules.needs_media_report(_major("车辆起火"))


def test_repeat_repair_count_by_the_same_fault_in_other_words():
    orders = [
        major.Order("repair", date(2026, 11, 1), "方向盘抖动，光盘处理"),
        major.Order("warranty", date(2026, 11, 1), "高速刹车方向盘抖动"),
        major.Order("repair", date(2026, 11, 1), "常规保养"),
        major.Order("repair", date(2026, 11, 1), "刹车抖动再次返修"),
    ]
    assert rules.repeat_repair_count("高速踩刹车方向盘严重抖动", orders) == 3


@pytest.mark.parametrize(
    ("received", "purchase", "first_sold", "expected"),
    [
        (date(2027, 2, 1), None, None, ["3·15"]),
        (date(2027, 3, 25), None, None, ["3·15"]),
        (date(2027, 1, 31), None, None, []),
        (date(2027, 3, 26), None, None, []),
        (date(2026, 11, 25), date(2026, 6, 1), None, ["购车后 3–6 个月"]),
        (date(2026, 11, 25), date(2026, 8, 26), None, []),  # 3 months reached only on 26 Nov
        (date(2026, 11, 25), date(2026, 5, 24), None, []),  # more than 6 months ago
        (date(2026, 11, 25), None, date(2026, 1, 10), ["新车型"]),
        (date(2026, 11, 25), None, date(2025, 11, 25), []),
    ],
)
def test_risk_periods(received, purchase, first_sold, expected):
    periods = rules.risk_periods(received, purchase_date=purchase, model_first_sold=first_sold, model="明锐")
    assert len(periods) == len(expected)
    for text, start in zip(periods, expected, strict=True):
        assert text.startswith(start)
