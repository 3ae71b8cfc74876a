import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huifang.archive.choices import LineKind, RepairOrderType
from huifang.archive.importing import parsing
from huifang.archive.importing.fields import match_headers
from huifang.archive.importing.parsing import FieldError
from huifang.archive.importing.reading import detect_encoding, sniff_delimiter

from ..factories import make_vin

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-01-02", date(2025, 1, 2)),
        ("2025/1/2", date(2025, 1, 2)),
        ("2025.01.02", date(2025, 1, 2)),
        ("20250102", date(2025, 1, 2)),
        ("2025年1月2日", date(2025, 1, 2)),
        ("2025-01-02 13:45:10", date(2025, 1, 2)),
        (45659, date(2025, 1, 2)),
        ("45659", date(2025, 1, 2)),
        (datetime(2025, 1, 2, 8, 0), date(2025, 1, 2)),
        (date(2025, 1, 2), date(2025, 1, 2)),
        ("", None),
        (None, None),
    ],
)
def test_dates_in_every_dms_format(raw, expected):
    # when / then
    assert parsing.parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-01-02 09:30", datetime(2025, 1, 2, 9, 30, tzinfo=SH)),
        ("2025/1/2 9:30:15", datetime(2025, 1, 2, 9, 30, 15, tzinfo=SH)),
        ("2025年1月2日 9时30分", datetime(2025, 1, 2, 9, 30, tzinfo=SH)),
        ("20250102 0930", datetime(2025, 1, 2, 9, 30, tzinfo=SH)),
        ("2025-01-02", datetime(2025, 1, 2, 0, 0, tzinfo=SH)),
        (45659.75, datetime(2025, 1, 2, 18, 0, tzinfo=SH)),
    ],
)
def test_date_times_are_read_in_the_store_time_zone(raw, expected):
    # when / then
    assert parsing.parse_datetime(raw, SH) == expected


@pytest.mark.parametrize("raw", ["2025-02-30", "2025-13-01", "明天", "2025-01-02 25:00", "12/31/2025"])
def test_impossible_dates_are_refused_with_a_reason(raw):
    # when / then
    with pytest.raises(FieldError, match="date|日期|time"):
        parsing.parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("¥1,280.50", Decimal("1280.50")),
        ("￥1,280.5", Decimal("1280.50")),
        ("1280元", Decimal("1280.00")),
        ("RMB 99.999", Decimal("100.00")),
        (35.5, Decimal("35.50")),
        (0, Decimal("0.00")),
        ("", None),
    ],
)
def test_amounts_with_currency_signs_and_separators(raw, expected):
    # when / then
    assert parsing.parse_amount(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), [("-5", "negative"), ("八十元", "not an amount"), ("1.2.3", "amount")])
def test_bad_amounts_are_refused(raw, reason):
    # when / then
    with pytest.raises(FieldError, match=reason):
        parsing.parse_amount(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("是", True), ("否", False), ("Y", True), ("n", False), ("1", True), ("0", False), ("true", True), ("", None)],
)
def test_booleans(raw, expected):
    # when / then
    assert parsing.parse_bool(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("个人", "individual"), ("公司", "company"), ("单位", "company"), ("企业", "company"), ("", None)],
)
def test_customer_types(raw, expected):
    # when / then
    assert parsing.parse_customer_kind(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [("男", "M"), ("女", "F"), ("male", "M"), ("", None)])
def test_genders(raw, expected):
    # when / then
    assert parsing.parse_gender(raw) == expected


def test_unknown_gender_is_left_empty_with_a_warning():
    # when
    result = parsing.parse_gender("保密?")
    # then the row is kept: the gender stays empty and the report says why
    assert result == parsing.Flagged(None, "无法识别的性别,未导入该项 / unknown gender, left empty: '保密?'")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("首保", RepairOrderType.FIRST_FREE_SERVICE),
        ("首次保养", RepairOrderType.FIRST_FREE_SERVICE),
        ("定保", RepairOrderType.MAINTENANCE),
        ("保养", RepairOrderType.MAINTENANCE),
        ("常规保养", RepairOrderType.MAINTENANCE),
        ("维修", RepairOrderType.REPAIR),
        ("一般维修", RepairOrderType.REPAIR),
        ("机修", RepairOrderType.REPAIR),
        ("钣喷", RepairOrderType.REPAIR),
        ("索赔", RepairOrderType.WARRANTY),
        ("保修", RepairOrderType.WARRANTY),
        ("保险", RepairOrderType.INSURANCE),
        ("事故", RepairOrderType.INSURANCE),
        ("召回", RepairOrderType.RECALL),
        ("repair", RepairOrderType.REPAIR),
    ],
)
def test_repair_order_types(raw, expected):
    # when / then
    assert parsing.parse_ro_type(raw) == expected


def test_unknown_repair_order_type_is_other_with_a_warning():
    # when
    result = parsing.parse_ro_type("洗车")
    # then
    assert result == parsing.Flagged(
        RepairOrderType.OTHER, "无法识别的维修类型,按“其他”导入 / unknown order type, imported as other: '洗车'"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("工时", LineKind.LABOUR), ("配件", LineKind.PART), ("材料", LineKind.PART), ("外包", LineKind.OTHER)],
)
def test_line_kinds(raw, expected):
    # when / then
    assert parsing.parse_line_kind(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("138 1234 5678", "+8613812345678"), ("+86-138-1234-5678", "+8613812345678"), ("010-65529988", "+861065529988")],
)
def test_phones_are_stored_as_e164(raw, expected):
    # when / then
    assert parsing.parse_phone_value(raw) == expected


def test_vin_and_plate_are_normalised_or_refused():
    # given
    vin = make_vin(42)
    # when / then
    assert parsing.parse_vin(vin.lower()) == vin
    assert parsing.parse_plate("粤b·12345") == "粤B12345"
    assert parsing.parse_plate("未上牌") is None
    with pytest.raises(FieldError, match="17"):
        parsing.parse_vin("LSV123")
    with pytest.raises(FieldError, match="plate"):
        parsing.parse_plate("B12345")


def test_long_text_is_refused_rather_than_cut():
    # when / then
    with pytest.raises(FieldError, match="too long"):
        parsing.text_parser(5)("一二三四五六")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("客户名称\n张三\n".encode(), "UTF-8"),
        ("客户名称\n张三\n".encode("utf-8-sig"), "UTF-8-BOM"),
        ("客户名称\n张三\n".encode("gbk"), "GBK"),
        ("客户名称\n𠮷野家\n".encode("gb18030"), "GB18030"),
    ],
)
def test_encoding_detection(data, expected):
    # when / then
    assert detect_encoding(data)[1] == expected


@pytest.mark.parametrize(
    ("sample", "expected"), [("a,b,c\n1,2,3", ","), ("a\tb\tc\n1\t2\t3", "\t"), ("a;b;c\n1;2;3", ";")]
)
def test_delimiter_sniffing(sample, expected):
    # when / then
    assert sniff_delimiter(sample) == expected


def test_a_title_line_above_the_header_does_not_confuse_the_sniffer():
    # given
    sample = "东风4S店 工单导出 2025-01\n\n工单号;车架号;进厂日期\nRO9;VIN;2025.01.02\nRO10;VIN;2025.01.03"
    # when / then
    assert sniff_delimiter(sample) == ";"


def test_headers_match_chinese_and_english_synonyms():
    # when
    mapping, unmatched = match_headers(["车架号", "Plate No.", "手机号码（必填）", "备注"])
    # then
    assert mapping == {0: "vin", 1: "plate", 2: "mobile"}
    assert unmatched == ["备注"]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("13812345678/0755-12345678", "+8613812345678"),
        ("0755-12345678，13812345678", "+8675512345678"),
        ("138 1234 5678（本人）", "+8613812345678"),
        ("13812345678.0", "+8613812345678"),
        ("无", None),
        ("0", None),
        ("-", None),
    ],
)
def test_messy_phone_cells_keep_the_first_number(raw, expected):
    assert parsing.parse_phone_value(raw) == expected


def test_a_cell_with_no_valid_number_is_refused():
    with pytest.raises(FieldError, match="not a phone number"):
        parsing.parse_phone_value("12345/67890")


@pytest.mark.parametrize("raw", ["1900-01-01", "0000-00-00", "0000-00-00 00:00:00", "1899-12-30", "无"])
def test_dms_placeholder_dates_mean_no_date(raw):
    assert parsing.parse_date(raw) is None


def test_mileage_in_wan_and_temporary_plates():
    assert parsing.parse_km("1.2万") == 12000
    assert parsing.parse_plate("临时牌") is None


def test_headers_without_an_exact_synonym_are_guessed_from_their_words():
    # given headers of a DMS we have never seen
    headers = [
        "VIN码",
        "车辆VIN号",
        "牌照号码",
        "车主姓名",
        "司机手机",
        "维修日期",
        "结算日期",
        "进厂公里数",
        "结算总金额",
        "备注",
    ]
    # when
    mapping, unmatched = match_headers(headers)
    # then exact synonyms and guesses fill the fields once; the rest is reported as ignored
    assert {headers[i]: f for i, f in mapping.items()} == {
        "VIN码": "vin",
        "牌照号码": "plate",
        "车主姓名": "customer_name",
        "司机手机": "driver_phone",
        "维修日期": "opened_at",
        "结算日期": "delivered_at",
        "进厂公里数": "mileage",
        "结算总金额": "total_amount",
    }
    assert unmatched == ["车辆VIN号", "备注"]


def test_a_column_the_store_chose_to_ignore_is_not_guessed():
    mapping, unmatched = match_headers(["车主姓名", "VIN码"], saved={"VIN码": ""})
    assert mapping == {0: "customer_name"}
    assert unmatched == ["VIN码"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # the short path's shape (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS): the same answers as the general path
        ("2026-05-29 09:39:00", datetime(2026, 5, 29, 9, 39, tzinfo=SH)),
        ("2026-05-29", datetime(2026, 5, 29, tzinfo=SH)),
        ("0000-00-00 00:00:00", None),
        ("2026-02-30", "日期不存在 / no such date: '2026-02-30'"),
        ("2026-02-30 10:00:00", "日期不存在 / no such date: '2026-02-30 10:00:00'"),
        ("2026-05-29 24:00:00", "时间不正确 / not a time of day: '2026-05-29 24:00:00'"),
        ("2026-05-29 23:59:60", "时间不正确 / not a time of day: '2026-05-29 23:59:60'"),
        # just outside the shape: the general path
        (" 2026-05-29 09:39:00 ", datetime(2026, 5, 29, 9, 39, tzinfo=SH)),
        ("2026-05-29T09:39:00", datetime(2026, 5, 29, 9, 39, tzinfo=SH)),
        ("2026-05-29 09:39", datetime(2026, 5, 29, 9, 39, tzinfo=SH)),
    ],
)
def test_iso_date_times_read_the_same_on_the_short_path(raw, expected):
    # when
    try:
        got = parsing.parse_datetime(raw, SH)
    except FieldError as exc:
        got = str(exc)
    # then
    assert got == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("403", 403), ("0403", 403), ("0", 0), ("2000000", 2_000_000), ("2000001", None), ("12,345", 12_345)],
)
def test_plain_digit_mileage_short_path_keeps_the_limit(raw, expected):
    # when / then
    if expected is None:
        with pytest.raises(FieldError, match="mileage too large"):
            parsing.parse_km(raw)
    else:
        assert parsing.parse_km(raw) == expected


@given(
    delimiter=st.sampled_from(",\t;"),
    rows=st.lists(st.lists(st.text(st.sampled_from(",;\t\"x客\n") | st.characters(blacklist_categories=["Cs"]), max_size=30), min_size=3, max_size=3),
                  min_size=1, max_size=4),  # fmt: skip
)
def test_the_sniffer_finds_the_writers_delimiter_whatever_the_cells_hold(delimiter, rows):
    # given a header without delimiters and cells holding any text, commas, tabs and semicolons included
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["工单号", "车架号", "备注"])
    writer.writerows(rows)
    # when / then
    assert sniff_delimiter(buffer.getvalue()) == delimiter


def test_a_remark_full_of_semicolons_in_a_comma_export_keeps_the_comma():
    # given
    # (a one-order file whose remark, quoted for its comma, also holds more semicolons than the header has commas)
    sample = '工单号,车架号,备注\nRO1,VIN1,"保养,更换机油;机滤;空滤;火花塞;刹车油;雨刮;轮胎换位;四轮定位"\n'
    # when / then
    assert sniff_delimiter(sample) == ","
