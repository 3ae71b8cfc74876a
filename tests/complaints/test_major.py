"""Major-complaint rules (complaints/major.py): acts and denials, events and worries, faults in other words,
which orders count, and the questionnaire left out. Hand-written Chinese cases; hypothesis for invariants."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huifang.complaints import defaults, major

MEDIA = defaults.MEDIA_LEGAL_WORDS
SAFETY = defaults.SAFETY_WORDS
RECEIVED = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("处理不满意我要找记者曝光", ["曝光", "记者"]),
        ("如果不解决将联系记者曝光", ["曝光", "记者"]),  # the 不 belongs to 解决, not to the threat
        ("服务顾问不专业还联系了电视台", ["电视台"]),
        ("客户表示会请律师起诉", ["律师", "起诉"]),
        ("已向消费者协会投诉", ["消费者协会"]),
        ("客户说要打12315", ["315"]),
        ("不排除起诉", ["起诉"]),  # not ruling it out is a threat
        ("我要发抖音让大家看看", ["抖音"]),
        ("客户在媒体工作，表示处理不满意将曝光到媒体。", ["媒体", "曝光"]),
    ],
)
def test_media_and_legal_words_the_customer_acts_on(text, words):
    assert major.media_legal_found(text, MEDIA) == words


@pytest.mark.parametrize(
    "text",
    [
        "我不会找媒体曝光",
        "没有找律师",
        "不想去法院起诉",
        "我是不会去找什么媒体的",
        "在抖音上看到你们的广告",  # a platform named, nothing done with it
        "客户是律师",
        "客户在电视台工作",
        "中控多媒体屏幕黑屏",  # 多媒体 is not 媒体
        "请记录一下客户的要求",
        "维修费 3150 元",
        "客户问行车记录仪的视频能不能导出来",
    ],
)
def test_denied_or_idle_media_words_do_not_count(text):
    assert major.media_legal_found(text, MEDIA) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("车辆行驶中突然自燃", ["自燃"]),
        ("碰撞后安全气囊没有弹出", ["安全气囊"]),  # the denial follows the word: the airbag failed
        ("高速上刹车失灵，撞上护栏，幸好没人受伤", ["刹车失灵"]),
        ("车辆失控撞上护栏", ["失控"]),
        ("高速上变速箱故障导致车祸", ["车祸"]),
    ],
)
def test_safety_events(text, words):
    assert major.safety_found(text, SAFETY) == words


@pytest.mark.parametrize(
    "text",
    [
        "为了安全起见请系好安全带",
        "洗车后发现主驾安全带卡住",
        "注意安全",
        "客户情绪失控",
        "担心会自燃",  # a worry
        "以免起火",
        "没有起火",  # a denial
        "气囊灯常亮",  # a warning lamp
        "行驶中安全气囊故障灯常亮",
        "仪表上发动机故障灯亮了",  # an engine fault alone is not a safety event
    ],
)
def test_safety_words_in_routine_sentences_worries_and_lamps_do_not_count(text):
    assert major.safety_found(text, SAFETY) == []


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("底盘异响", "过减速带底盘有响声", True),
        ("车子开起来咔咔响", "底盘咯噔响 更换摆臂胶套", True),  # no system named: the symptom decides
        ("刹车有异响", "空调异响 更换鼓风机", False),  # same symptom, another system
        ("空调不制冷", "空调出热风 更换压缩机", True),
        ("方向盘往右跑偏", "方向跑偏 更换右前轮胎", True),  # the remedy's part is not the fault's place
        ("刹车的时候，吱吱响", "前轮刹车异响", True),  # system and symptom in two clauses
        ("刹车没有异响了，但是方向盘还抖", "刹车异响", False),  # a denied symptom is no fault
        ("发动机的问题一直没解决", "发动机抖动 清洗节气门", True),
        ("保养", "保养", False),
        ("空调滤芯更换", "空调滤芯更换", False),  # routine work is never a fault
    ],
)
def test_same_fault_in_other_words(a, b, same):
    assert any(major.same_fault(x, y) for x in major.faults(a) for y in major.faults(b)) is same


def test_only_repair_and_claim_orders_of_the_last_12_months_count():
    # given orders of every type and age with the complaint's fault
    orders = [
        major.Order("repair", date(2026, 10, 1), "底盘异响"),
        major.Order("warranty", date(2026, 6, 1), "底盘异响"),
        major.Order("maintenance", date(2026, 9, 1), "保养时发现底盘异响"),
        major.Order("first_service", date(2026, 3, 1), "首保 底盘异响"),
        major.Order("insurance", date(2026, 4, 1), "底盘异响"),
        major.Order("repair", date(2025, 11, 1), "底盘异响"),  # more than 12 months (360 days) before
        major.Order("repair", date(2026, 11, 21), "底盘异响"),  # after the complaint
    ]
    # when the repeat-repair window is applied
    scoped = major.orders_in_scope(orders, received=RECEIVED, months=12)
    # then the repair and the warranty claim of the window remain
    assert [(o.ro_type, o.opened_at) for o in scoped] == [("repair", date(2026, 10, 1)), ("warranty", date(2026, 6, 1))]


def test_routine_service_three_times_is_not_a_repeat_repair():
    orders = [
        major.Order("repair", date(2026, m, 1), t) for m, t in ((3, "保养"), (6, "更换机油机滤"), (9, "洗车 打蜡"))
    ]
    assert major.repeat_repairs("每次保养都要等很久，换机油也不给洗车", orders) == (0, "")


def test_repeat_repair_reason_names_the_fault():
    # given three claims for the same gearbox fault in three wordings
    orders = [
        major.Order("warranty", date(2026, 2, 20), "DSG换挡顿挫 低速冲击"),
        major.Order("warranty", date(2026, 5, 8), "低速冲击 升级变速箱程序"),
        major.Order("repair", date(2026, 9, 2), "1挡升2挡顿挫"),
    ]
    # when the complaint is judged
    reasons = major.assess(
        content="低速换挡顿挫，多次返修未解决",
        orders=orders,
        received=RECEIVED,
        media_legal_words=MEDIA,
        safety_words=SAFETY,
        compensation=None,
        threshold=Decimal(10000),
        repeat_threshold=3,
        refused_by_manager=False,
    )
    # then the reason says how often and which fault
    assert reasons == [{"rule": "repeat_repair", "label": "同一故障多次维修", "detail": "3 ≥ 3：顿挫（变速箱）"}]


def test_the_questionnaire_of_a_call_is_not_the_customers_words():
    answers = [{"question": "服务顾问是否为您解释本次维修/保养的项目价格及所需时间？", "answer": "4/10"}]
    text = "回访中发现问题：“服务顾问是否为您解释本次维修/保养的项目价格及所需时间？” 4 分。\n回访员备注：刹车异响"
    words = major.complaint_words(content=text, source_answers=answers)
    assert "保养" not in words
    assert "刹车异响" in words


SH = ZoneInfo("Asia/Shanghai")
_chinese = st.text(
    alphabet=st.sampled_from(list("保养机油洗车首保维修异响刹车空调不没有律师媒体曝光起火安全带，。 ")), max_size=40
)


@settings(max_examples=60, deadline=None)
@given(complaint=_chinese, routine=st.lists(_chinese, max_size=4))
def test_maintenance_and_first_service_orders_never_change_the_count(complaint, routine):
    # given a vehicle with one real repair, then any number of maintenance / first-service orders of any text
    base = [major.Order("repair", datetime(2026, 10, 1, tzinfo=SH), "刹车异响")]
    extra = [
        major.Order("maintenance" if i % 2 else "first_service", datetime(2026, 9, 1, tzinfo=SH), text)
        for i, text in enumerate(routine)
    ]
    scoped = major.orders_in_scope(base + extra, received=RECEIVED, months=12)
    # then the count is that of the repair orders alone
    assert major.repeat_repair_count(complaint, scoped) == major.repeat_repair_count(complaint, base)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_is_judged_without_error(text):
    # the rules read free text typed by people: nothing may break them
    assert isinstance(major.media_legal_found(text, MEDIA), list)
    assert isinstance(major.safety_found(text, SAFETY), list)
    assert all(isinstance(f, major.Fault) for f in major.faults(text))
