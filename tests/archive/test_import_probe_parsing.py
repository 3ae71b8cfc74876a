"""Cell and header parsing for the outside check's findings: ISO 8601 date-times with offsets, service numbers
in phone columns, English header abbreviations. Parsers are pure functions of the cell text."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huifang.archive.importing.fields import guess_field, match_headers
from huifang.archive.importing.parsing import FieldError, parse_date, parse_datetime, parse_phone_value
from huifang.archive.importing.required import missing_columns
from huifang.core.service_numbers import is_service_number

SHANGHAI = ZoneInfo("Asia/Shanghai")

# -- ISO 8601 with an offset ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-11-06T10:00:00+08:00", datetime(2026, 11, 6, 10, 0, tzinfo=SHANGHAI)),
        ("2026-11-06T02:00:00Z", datetime(2026, 11, 6, 10, 0, tzinfo=SHANGHAI)),
        ("2026-11-06T02:00Z", datetime(2026, 11, 6, 10, 0, tzinfo=SHANGHAI)),
        ("2026-11-05T21:00:00-05:00", datetime(2026, 11, 6, 10, 0, tzinfo=SHANGHAI)),
        ("2026-11-06 02:00:00 +0000", datetime(2026, 11, 6, 10, 0, tzinfo=SHANGHAI)),
        ("2026-11-06T10:00:00.250+08", datetime(2026, 11, 6, 10, 0, tzinfo=SHANGHAI)),
        ("2026-11-06T10:00:00", datetime(2026, 11, 6, 10, 0, tzinfo=SHANGHAI)),  # no offset: the store's zone
    ],
)
def test_iso_date_times_are_read_at_the_instant_they_name(cell, expected):
    # given a cell as a CRM or API writes it, when read for a Shanghai store
    moment = parse_datetime(cell, SHANGHAI)
    # then the same instant, shown in the store's zone
    assert moment == expected
    assert moment.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("cell", ["2026-02-30T10:00:00+08:00", "2026-11-06T24:30:00Z", "2026-11-06T10:00:00+25:00"])
def test_an_impossible_iso_date_time_is_refused(cell):
    with pytest.raises(FieldError):
        parse_datetime(cell, SHANGHAI)


@pytest.mark.parametrize("cell", ["2026-12-08 09:00-09:30", "2026-12-08 9:00-10:00"])
def test_a_slot_written_after_a_date_is_not_mistaken_for_an_offset(cell):
    # '09:00-09:30' is a booking slot; read as 09:00 at UTC-09:30 it would be 22:30 in Shanghai
    with pytest.raises(FieldError):
        parse_datetime(cell, SHANGHAI)


def test_a_date_column_keeps_the_day_as_written():
    # an offset does not move a birthday to another day
    assert parse_date("1990-05-01T00:00:00-05:00").isoformat() == "1990-05-01"


@given(
    moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31)),
    offset_minutes=st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: q * 15),
    seconds=st.booleans(),
    zulu=st.booleans(),
)
def test_any_iso_date_time_with_an_offset_reads_back_to_the_same_instant(moment, offset_minutes, seconds, zulu):
    # given an instant written as ISO 8601 with some offset (or Z)
    moment = moment.replace(microsecond=0, second=moment.second if seconds else 0)
    zone = UTC if zulu else timezone(timedelta(minutes=offset_minutes))
    aware = moment.replace(tzinfo=zone)
    text = aware.isoformat(timespec="seconds" if seconds else "minutes")
    if zulu:
        text = text.replace("+00:00", "Z")
    # when read for a Shanghai store
    read = parse_datetime(text, SHANGHAI)
    # then it is that instant, in the store's zone
    assert read == aware
    assert read.tzinfo == SHANGHAI


# -- service numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell", ["400-820-8820", "4008208820", "+86 400 820 8820", "800-810-8888", "95588", "95105105", "(400)8208820"]
)
def test_a_service_number_is_refused_in_a_phone_column(cell):
    with pytest.raises(FieldError, match="hotline"):
        parse_phone_value(cell)


@pytest.mark.parametrize("cell", ["13800138000", "0755-8888 1234", "010 6552 9988", "+86 138 0013 8000"])
def test_a_personal_or_office_number_is_not_a_service_number(cell):
    assert not is_service_number(cell)
    assert parse_phone_value(cell)


_SEPARATOR = st.sampled_from(["", " ", "-", "."])


@given(
    prefix=st.sampled_from(["400", "800"]),
    rest=st.text(alphabet="0123456789", min_size=7, max_size=7),
    sep=_SEPARATOR,
    mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    joiner=st.sampled_from(["/", "；", "、", " 或 ", ","]),
)
def test_a_hotline_beside_the_customers_mobile_leaves_the_mobile(prefix, rest, sep, mobile, joiner):
    # given a 400/800 number written with any separators
    hotline = f"{prefix}{sep}{rest[:3]}{sep}{rest[3:]}"
    # then alone it is refused, and beside a mobile the mobile is kept (never the hotline)
    with pytest.raises(FieldError):
        parse_phone_value(hotline)
    kept = parse_phone_value(f"{hotline}{joiner}{mobile}")
    value = getattr(kept, "value", kept)
    assert value == "+86" + mobile


# -- headers ----------------------------------------------------------------------------------------------

ABBREVIATIONS = {
    "Cust. Name": "customer_name",
    "Cust Type": "customer_type",
    "Cust No": "customer_code",
    "Mobile No.": "mobile",
    "Purch. Date": "purchase_date",
    "Check-in Time": "opened_at",
    "Check in Date": "opened_at",
    "Check-out Time": "delivered_at",
    "Item Desc": "line_description",
    "Line Amt": "line_amount",
    "Amt": "line_amount",
    "Total Amt": "total_amount",
    "Labour Amt": "labour_amount",
    "Parts Amt": "parts_amount",
}


@given(
    header=st.sampled_from(sorted(ABBREVIATIONS)),
    case=st.sampled_from([str.lower, str.upper, str.title, lambda s: s]),
    pad=st.sampled_from(["", " ", "  ", "\u3000"]),
    unit=st.sampled_from(["", "(RMB)", "（必填）"]),
)
def test_english_abbreviations_name_their_field_however_written(header, case, pad, unit):
    assert guess_field(f"{pad}{case(header)}{unit}{pad}") == ABBREVIATIONS[header]


def test_a_sheet_with_order_columns_needs_number_vin_and_opening_time():
    mapping, _ = match_headers(["RO No.", "VIN No", "Item Desc", "Line Amt"])
    assert missing_columns(set(mapping.values())) == ["opened_at"]
    assert missing_columns({"customer_name", "mobile"}) == []
    assert missing_columns({"plate", "model"}) == ["vin"]
