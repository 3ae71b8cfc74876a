"""Pure parsers for one DMS cell each: text in, a Python value out, or FieldError saying why not.

Every parser returns None for an empty cell ("not given": the import then keeps what it has).
Messages are bilingual, Chinese first, like the rest of core.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from huifang.core.phones import PhoneError, mainland_mobile_e164, parse_phone_by_shape
from huifang.core.service_numbers import is_service_number
from huifang.core.vehicle_ids import IdentifierError, normalize_plate, normalize_vin

from ..choices import Channel, CustomerKind, CustomerSource, Gender, LineKind, RepairOrderType


class FieldError(ValueError):
    """A cell whose value cannot be used; the message names the reason in Chinese and English."""


@dataclass(frozen=True)
class Flagged:
    """A usable value that the import keeps with a warning (the row is imported, the report lists it)."""

    value: Any
    reason: str


# Cells a DMS writes when a field was never filled in. They mean "empty" in every column
# (compared after NFKC and upper-casing); '无' too, except in yes/no columns where it means "no".
EMPTY_MARKERS = frozenset(
    {
        "NULL",
        "<NULL>",
        "(NULL)",
        "NONE",
        "NIL",
        "N/A",
        "NA",
        "#N/A",
        "\\N",
        "-",
        "--",
        "---",
        "—",
        "——",
        "/",
        "//",
        "空",
        "(空)",
        "无",
        "暂无",
    }
)
EMPTY_MARKERS_YES_NO = EMPTY_MARKERS - {"无"}
# C0 control characters other than tab and line breaks, and DEL: dropped from every cell (PostgreSQL text
# cannot hold NUL; the others are invisible noise a DMS leaves behind).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
UNREADABLE_CHAR = "\ufffd"


def is_empty_marker(value: Any, *, yes_no: bool = False) -> bool:
    """True for None, blank text and the placeholders of EMPTY_MARKERS."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    if value.isascii() and value.isprintable():
        text = value.strip().upper()  # NFKC and the control characters change nothing here: the common cell
    else:
        text = unicodedata.normalize("NFKC", _CONTROL.sub("", value)).strip().upper()
    return not text or text in (EMPTY_MARKERS_YES_NO if yes_no else EMPTY_MARKERS)


def report_text(value: Any) -> str:
    """A cell as it may be shown and stored in the report: control characters dropped, broken characters
    (lone surrogates) replaced by U+FFFD, never raising."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return _SURROGATE.sub(UNREADABLE_CHAR, _CONTROL.sub("", str(value))).strip()


EXCEL_EPOCH = date(1899, 12, 30)
# Excel day serials between 1930 and 2100: anything else is not a date a DMS would export.
_SERIAL_MIN, _SERIAL_MAX = 10958, 73415
_CENT = Decimal("0.01")

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
_SEPARATED = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*(?:[:：分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?$"
)
# ISO 8601 with a UTC offset or Z, as CRM and API exports write it ('2026-11-06T10:00:00+08:00', '…T02:00:00Z').
# With a space instead of the T the seconds are required: '2026-12-08 09:00-09:30' is a slot, not an offset.
_ISO_OFFSET = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?|\s\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)"
    r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$",
    re.IGNORECASE,
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_ISO_FIXED = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?", re.ASCII)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_text(value: Any) -> str:
    """A cell as stripped text; whole numbers from spreadsheets lose their '.0'; control characters are
    dropped; a cell with broken characters (lone surrogates, undecodable bytes) is refused."""
    if type(value) is str and value.isascii() and value.isprintable():
        # The common cell: no control characters, nothing NFKC would change, nothing unreadable.
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    text = _CONTROL.sub("", str(value))
    if _SURROGATE.search(text) or UNREADABLE_CHAR in text:
        raise FieldError("含有无法识别的字符(编码错误或文件损坏) / holds characters that cannot be read (bad encoding)")
    return unicodedata.normalize("NFKC", text).strip()


def _build_date(y: int, m: int, d: int, raw: Any) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise FieldError(f"日期不存在 / no such date: {raw!r}") from None


def _serial_to_datetime(serial: float) -> datetime:
    return datetime.combine(EXCEL_EPOCH, time.min) + timedelta(days=serial)


def _parse_with_offset(text: str) -> datetime:
    """'2026-11-06T10:00:00+08:00' or '…Z' as an aware datetime, at the instant it names."""
    compact = re.sub(r"\s+(?=[zZ+-]\d*:?\d*$)", "", text).upper()
    try:
        return datetime.fromisoformat(compact).replace(microsecond=0)
    except ValueError:
        raise FieldError(f"日期或时间不存在 / no such date or time: {text!r}") from None


def _parse_naive(value: Any) -> datetime | None:
    """A date or date-time cell as a naive datetime (time 00:00 when only a date is given); a cell that
    names its UTC offset (ISO 8601 '+08:00' or 'Z') gives an aware one."""
    if type(value) is str and len(value) in (10, 19) and _ISO_FIXED.fullmatch(value):
        # '2026-05-29 09:39:00' or '2026-05-29', the shape most exports use: read in C. For exactly this shape
        # the result is the one the general path below gives; an impossible date or time falls through to it,
        # which says why.
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value
    if isinstance(value, date):
        return datetime.combine(value, time.min)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_MIN <= value <= _SERIAL_MAX:
            return _serial_to_datetime(float(value))
        value = clean_text(value)
    text = clean_text(value)
    if not text or text.lower() in _NO_VALUE or text.startswith("0000-00-00"):
        return None
    if _ISO_OFFSET.match(text):
        return _parse_with_offset(text)
    match = _ISO.match(text) or _SEPARATED.match(text) or _COMPACT.match(text)
    if match is None:
        if _NUMBER.match(text) and _SERIAL_MIN <= float(text) <= _SERIAL_MAX:
            return _serial_to_datetime(float(text))
        raise FieldError(f"无法识别的日期 / not a date: {text!r}")
    y, m, d, hh, mm, ss = (int(g) if g else 0 for g in match.groups())
    day = _build_date(y, m, d, text)
    if hh > 23 or mm > 59 or ss > 59:
        raise FieldError(f"时间不正确 / not a time of day: {text!r}")
    return datetime.combine(day, time(hh, mm, ss))


# DMS systems write these when a date was never entered; they mean "no date", not a real day.
_PLACEHOLDER_DATES = {date(1900, 1, 1), date(1899, 12, 30), date(1899, 12, 31), date(1970, 1, 1)}


def parse_date(value: Any) -> date | None:
    """2025-01-02, 2025/1/2, 2025.01.02, 20250102, 2025年1月2日 (a time is allowed and dropped; with an ISO
    offset the day is the one written, in the writer's zone)."""
    moment = _parse_naive(value)
    if moment is None or moment.date() in _PLACEHOLDER_DATES:
        return None
    return moment.date()


def parse_datetime(value: Any, tz: ZoneInfo) -> datetime | None:
    """Like parse_date, keeping the time, made aware in the store's time zone; a time written with its UTC
    offset ('2026-11-06T02:00:00Z') is the same instant, shown in the store's zone (10:00 in Shanghai)."""
    moment = _parse_naive(value)
    if moment is None:
        return None
    if moment.tzinfo is not None:
        return moment.astimezone(tz)
    return moment.replace(tzinfo=tz)


def parse_amount(value: Any) -> Decimal | None:
    """'¥1,280.50', '1280.5元', 'RMB 1 280' -> Decimal('1280.50'); negative amounts are refused."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        amount = Decimal(str(value))
    else:
        text = clean_text(value)
        squashed = re.sub(r"[¥￥,，\s]|RMB|CNY|元", "", text, flags=re.IGNORECASE)
        if not squashed:
            return None
        try:
            amount = Decimal(squashed)
        except InvalidOperation:
            raise FieldError(f"不是金额 / not an amount: {text!r}") from None
    if not amount.is_finite():
        raise FieldError(f"不是金额 / not an amount: {value!r}")
    if amount < 0:
        raise FieldError(f"金额不能为负 / amount must not be negative: {value!r}")
    if amount >= Decimal("10000000000"):
        raise FieldError(f"金额过大 / amount too large: {value!r}")
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def parse_km(value: Any) -> int | None:
    """'12,345', '12345 km', '12345公里' -> 12345."""
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 7:
        # Plain digits, the common cell: the same number the general path reads, without Decimal.
        number = int(value)
        if number <= 2_000_000:
            return number
    if value is None or value == "":
        return None
    text = clean_text(value)
    squashed = re.sub(r"[,，\s]|km|公里|千米", "", text, flags=re.IGNORECASE)
    if not squashed:
        return None
    # '1.2万' is how people write 12,000 km.
    if squashed.endswith("万"):
        try:
            return parse_km(Decimal(squashed[:-1]) * 10000)
        except InvalidOperation:
            raise FieldError(f"不是里程数 / not a mileage: {text!r}") from None
    try:
        number = Decimal(squashed)
    except InvalidOperation:
        raise FieldError(f"不是里程数 / not a mileage: {text!r}") from None
    if not number.is_finite() or number < 0:
        raise FieldError(f"里程不能为负 / mileage must not be negative: {text!r}")
    if number > 2_000_000:
        raise FieldError(f"里程过大 / mileage too large: {text!r}")
    return int(number)


_TRUE = {"是", "y", "yes", "true", "1", "t", "有", "√", "✓", "同意", "接受", "x"}
_FALSE = {"否", "n", "no", "false", "0", "f", "无", "不", "不同意", "拒绝", "×"}


def parse_bool(value: Any) -> bool | Flagged | None:
    """是/否, Y/N, 1/0, true/false; another word leaves the flag empty with a warning."""
    if isinstance(value, bool):
        return value
    text = clean_text(value).lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return Flagged(None, f"应为是/否,未导入该项 / expected yes or no, left empty: {text!r}")


def _lookup(table: dict[str, str], what_zh: str, what_en: str) -> Callable[[Any], str | Flagged | None]:
    """A choice column: a known word gives its value; an unknown word is not a reason to drop the row
    (it is left empty and listed as a warning)."""

    def parse(value: Any) -> str | Flagged | None:
        text = clean_text(value).lower()
        if not text:
            return None
        if text in table:
            return table[text]
        return Flagged(None, f"无法识别的{what_zh},未导入该项 / unknown {what_en}, left empty: {text!r}")

    return parse


parse_customer_kind = _lookup(
    {
        **dict.fromkeys(("个人", "私人", "个人客户", "私家车", "individual", "person", "private", "p"), "individual"),
        **dict.fromkeys(
            ("公司", "单位", "企业", "机构", "集团", "公司客户", "单位客户", "公车", "company", "corporate", "c"),
            CustomerKind.COMPANY.value,
        ),
    },
    "客户类型",
    "customer type",
)
parse_gender = _lookup(
    {
        **dict.fromkeys(("男", "男性", "先生", "m", "male"), Gender.MALE.value),
        **dict.fromkeys(("女", "女性", "女士", "小姐", "f", "female"), Gender.FEMALE.value),
        **dict.fromkeys(("未知", "不详", "-", "u", "unknown"), Gender.UNKNOWN.value),
    },
    "性别",
    "gender",
)
parse_lunar = _lookup(
    {
        **dict.fromkeys(("农历", "阴历", "lunar", "是", "y", "1", "true"), "1"),
        **dict.fromkeys(("公历", "阳历", "新历", "solar", "gregorian", "否", "n", "0", "false"), ""),
    },
    "历法",
    "calendar",
)
parse_channel = _lookup(
    {
        **dict.fromkeys(("电话", "手机", "phone", "call"), Channel.PHONE.value),
        **dict.fromkeys(("短信", "sms", "text"), Channel.SMS.value),
        **dict.fromkeys(("邮件", "电子邮件", "邮箱", "email", "e-mail"), Channel.EMAIL.value),
        **dict.fromkeys(("信件", "邮寄", "letter", "mail"), Channel.LETTER.value),
        **dict.fromkeys(("微信", "wechat", "weixin"), Channel.WECHAT.value),
    },
    "联系方式",
    "channel",
)

_SOURCES = {
    **dict.fromkeys(("本店购车", "本店销售", "销售", "新车销售", "购车", "sale", "sales"), CustomerSource.SALE.value),
    **dict.fromkeys(("散客", "自然进店", "进店", "外拓", "walk-in", "walk in", "walkin"), CustomerSource.WALK_IN.value),
    **dict.fromkeys(("转介绍", "推荐", "老客户介绍", "介绍", "referral"), CustomerSource.REFERRAL.value),
}


def parse_source(value: Any) -> str | None:
    """Where the customer came from; words the DMS uses that we do not know become 'other'."""
    text = clean_text(value).lower()
    if not text:
        return None
    return _SOURCES.get(text, CustomerSource.OTHER.value)


# Order matters: the first word found in the cell decides (首保 before 保养, 保修 before 维修).
_RO_TYPE_WORDS: tuple[tuple[str, str], ...] = (
    ("首次保养", RepairOrderType.FIRST_FREE_SERVICE),
    ("首保", RepairOrderType.FIRST_FREE_SERVICE),
    ("first", RepairOrderType.FIRST_FREE_SERVICE),
    ("召回", RepairOrderType.RECALL),
    ("recall", RepairOrderType.RECALL),
    ("索赔", RepairOrderType.WARRANTY),
    ("保修", RepairOrderType.WARRANTY),
    ("三包", RepairOrderType.WARRANTY),
    ("warranty", RepairOrderType.WARRANTY),
    ("保险", RepairOrderType.INSURANCE),
    ("事故", RepairOrderType.INSURANCE),
    ("insurance", RepairOrderType.INSURANCE),
    ("accident", RepairOrderType.INSURANCE),
    ("定保", RepairOrderType.MAINTENANCE),
    ("保养", RepairOrderType.MAINTENANCE),
    ("maintenance", RepairOrderType.MAINTENANCE),
    ("service", RepairOrderType.MAINTENANCE),
    ("维修", RepairOrderType.REPAIR),
    ("机修", RepairOrderType.REPAIR),
    ("钣喷", RepairOrderType.REPAIR),
    ("钣金", RepairOrderType.REPAIR),
    ("喷漆", RepairOrderType.REPAIR),
    ("repair", RepairOrderType.REPAIR),
)
_RO_TYPE_VALUES = {choice.value: choice.value for choice in RepairOrderType}


@lru_cache(maxsize=512)
def _ro_type(text: str) -> str | None:
    if text in _RO_TYPE_VALUES:
        return text
    for word, ro_type in _RO_TYPE_WORDS:
        if word in text:
            return ro_type.value
    return None


def parse_ro_type(value: Any) -> str | Flagged | None:
    """首保→first service, 定保/保养→maintenance, 维修/机修/钣喷→repair, 索赔/保修→warranty, 保险/事故→insurance,
    召回→recall; any other word is 'other' with a warning (a DMS has dozens of local types)."""
    text = clean_text(value).lower()
    if not text:
        return None
    found = _ro_type(text)
    if found is not None:
        return found
    return Flagged(
        RepairOrderType.OTHER.value,
        f"无法识别的维修类型,按“其他”导入 / unknown order type, imported as other: {clean_text(value)!r}",
    )


_LINE_KINDS = {
    **dict.fromkeys(("工时", "工时费", "人工", "labour", "labor", "l"), LineKind.LABOUR.value),
    **dict.fromkeys(("配件", "零件", "备件", "材料", "材料费", "配件费", "part", "parts", "material", "p"), "part"),
}


def parse_line_kind(value: Any) -> str | None:
    """工时 → labour; 配件/材料 → part; anything else (外包, 其他) → other."""
    text = clean_text(value).lower()
    if not text:
        return None
    return _LINE_KINDS.get(text, LineKind.OTHER.value)


@lru_cache(maxsize=8192)
def _phone(text: str) -> tuple[str, bool]:
    found = mainland_mobile_e164(text)
    if found is not None:
        return found
    try:
        phone = parse_phone_by_shape(text)
    except PhoneError as exc:
        raise FieldError(str(exc)) from None
    return phone.e164, phone.unverified


# Cells DMS users fill in when there is no number.
_NO_VALUE = {"无", "暂无", "没有", "不详", "未知", "-", "--", "/", "0", "null", "none", "n/a", "na"}
_PHONE_SEPARATORS = re.compile(r"\s*(?:[/;；,，、|]|或|\s{2,})\s*")
_PHONE_NOTE = re.compile(r"[(\[]?(?:本人|车主|司机|家|家里|公司|单位|办公室|老公|老婆|爱人|儿子|女儿)[)\]]?")


def parse_phone_value(value: Any) -> str | Flagged | None:
    """Any written form of a Chinese phone number, stored as E.164.

    DMS cells often hold several numbers ('13812345678/0755-12345678') or a note ('(本人)'): the
    first number on a known range is kept, else the first one shaped like a mainland mobile or
    landline, flagged (a range too new for the phone library is still the customer's number).
    If no part can be a phone number at all (7 digits, letters), the row is rejected naming the cell.
    """
    text = clean_text(value)
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if not text or text.lower() in _NO_VALUE:
        return None
    parts = [p for p in _PHONE_SEPARATORS.split(_PHONE_NOTE.sub(" ", text)) if p.strip()]
    first_error: FieldError | None = None
    unverified: str | None = None
    service: str | None = None
    for part in parts or [text]:
        if is_service_number(part):
            service = service or part.strip()  # a hotline, never the person's number (core.service_numbers)
            continue
        try:
            e164, is_unverified = _phone(part.strip())
        except FieldError as exc:
            first_error = first_error or exc
            continue
        if not is_unverified:
            return e164
        unverified = unverified or e164
    if unverified is not None:
        return Flagged(
            unverified,
            f"号码段未收录(可能是新号段),已导入并标记 / number on a range the phone library does not know, "
            f"kept and flagged: {text!r}",
        )
    if service is not None:
        raise FieldError(
            f"400/800/95 等服务号码是企业热线,不是客户本人的电话 / a 400, 800 or 95xxx service number is a company "
            f"hotline, not the customer's own phone: {text!r}"
        )
    raise FieldError(f"不是有效的电话号码 / not a phone number: {text!r}") from first_error


def parse_vin(value: Any) -> str | None:
    """17 characters with a correct check digit (core.vehicle_ids)."""
    text = clean_text(value)
    if not text:
        return None
    try:
        return normalize_vin(text)
    except IdentifierError as exc:
        raise FieldError(str(exc)) from None


def parse_plate(value: Any) -> str | None:
    """A Chinese plate; '未上牌' and similar placeholders count as no plate."""
    text = clean_text(value)
    if not text or text in {
        "未上牌",
        "待上牌",
        "无牌",
        "临牌",
        "临时牌",
        "临时牌照",
        "新车",
        "无",
        "暂无",
        "-",
        "--",
        "/",
    }:
        return None
    try:
        return normalize_plate(text)
    except IdentifierError as exc:
        raise FieldError(str(exc)) from None


def parse_email(value: Any) -> str | Flagged | None:
    """An e-mail address; one that does not parse is kept as written, with a warning."""
    text = clean_text(value)
    if not text:
        return None
    if len(text) > 254:
        raise FieldError("内容过长(最多 254 字) / too long (at most 254 characters)")
    if not _EMAIL.match(text):
        return Flagged(text, f"电子邮箱格式不正确,按原样保存 / not an e-mail address, kept as written: {text!r}")
    return text.lower()


def text_parser(max_length: int) -> Callable[[Any], str | None]:
    """Plain text of at most `max_length` characters (longer is refused rather than cut)."""

    def parse(value: Any) -> str | None:
        text = clean_text(value)
        if not text:
            return None
        if len(text) > max_length:
            raise FieldError(f"内容过长(最多 {max_length} 字) / too long (at most {max_length} characters)")
        return text

    return parse


def code_parser(max_length: int) -> Callable[[Any], str | None]:
    """An identifier (customer code, RO number): text without inner spaces, upper-cased."""
    plain = text_parser(max_length)

    def parse(value: Any) -> str | None:
        text = plain(value)
        return None if text is None else re.sub(r"\s+", "", text).upper()

    return parse


def quantity_parser(value: Any) -> Decimal | None:
    """A line quantity (hours or pieces), not negative."""
    amount = parse_amount(value)
    if amount is not None and amount >= Decimal("100000000"):
        raise FieldError(f"数量过大 / quantity too large: {value!r}")
    return amount
