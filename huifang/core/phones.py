"""Phone numbers: parsed and normalised with the `phonenumbers` library, masked for display."""

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

DEFAULT_REGION = "CN"
_DIGITS = re.compile(r"\D+")
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class PhoneError(ValueError):
    """A value that is not a valid phone number."""


@dataclass(frozen=True)
class Phone:
    e164: str
    is_mobile: bool
    # True when the number has the shape of a Chinese mobile or landline but lies on a range the
    # phonenumbers metadata does not list (new and virtual-operator ranges appear every year).
    unverified: bool = False


def parse_phone(raw: str, *, region: str = DEFAULT_REGION) -> Phone:
    """Parse any written form of a phone number ("138 1234 5678", "+86-10-6552-9988", "010-65529988")."""
    text = (raw or "").strip()
    # Extensions written as "转123" or "-123" after a landline are common in DMS exports.
    text = text.replace("转", " ext. ").replace("（", "(").replace("）", ")")
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise PhoneError(f"不是有效的电话号码 / not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(f"不是有效的电话号码 / not a valid phone number: {raw!r}")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164=e164, is_mobile=phonenumbers.number_type(number) in _MOBILE_TYPES)


# A mainland mobile: 11 digits, 1 then 3-9 (stack.md: gate on shape, validity against ranges is a flag).
MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# A landline dialled with its area code: 0, a 2- or 3-digit area code (10, 20-29, 3xx-9xx), 7 or 8 digits.
MAINLAND_LANDLINE = re.compile(r"^0(?:[12]\d|[3-9]\d{2})[2-9]\d{6,7}$")
_PREFIX_86 = re.compile(r"^(?:\+|00)?86")
_BARE_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def _mainland_digits(text: str) -> str:
    """The national digits of a written number: '+86 138-1234-5678' -> '13812345678'; '' when letters are in it."""
    if re.search(r"[^\d\s()+\-.]", text):
        return ""
    compact = re.sub(r"[\s()\-.]", "", text)
    if compact.startswith(("+", "00")):
        if not _PREFIX_86.match(compact):
            return ""
        compact = _PREFIX_86.sub("", compact)
        if compact.startswith("0"):
            return ""
        # '+86 10 6552 9988' is the landline 010 6552 9988 written internationally.
        return compact if MAINLAND_MOBILE.match(compact) else "0" + compact
    return compact


def mainland_mobile_e164(text: str) -> tuple[str, bool] | None:
    """(E.164, unverified) of a bare 11-digit mainland mobile, as parse_phone_by_shape gives them, without
    phonenumbers' parser (the slowest step of a big import); None for any other text.

    phonenumbers reads such a number as +86 and the digits as written; only the 179 prefix (an IP-dialling
    carrier code the library may strip) is left to the parser. The range check stays the library's.
    """
    if not _BARE_MOBILE.fullmatch(text) or text.startswith("179"):
        return None
    valid = phonenumbers.is_valid_number(phonenumbers.PhoneNumber(country_code=86, national_number=int(text)))
    return "+86" + text, not valid


def parse_phone_by_shape(raw: str, *, region: str = DEFAULT_REGION) -> Phone:
    """Like parse_phone, but a number shaped like a Chinese mobile or landline is kept when the library
    does not know its range yet (returned with `unverified=True`); only a number that cannot be one
    (7 digits, letters, wrong length) raises PhoneError."""
    try:
        return parse_phone(raw, region=region)
    except PhoneError:
        digits = _mainland_digits((raw or "").strip())
        if MAINLAND_MOBILE.match(digits):
            return Phone(e164="+86" + digits, is_mobile=True, unverified=True)
        if MAINLAND_LANDLINE.match(digits):
            return Phone(e164="+86" + digits[1:], is_mobile=False, unverified=True)
        raise


def display_phone(e164: str) -> str:
    """A stored number in the form people in China write it (138 1234 5678, 010 6552 9988)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except NumberParseException:
        return e164
    if number.country_code == 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_CN_MOBILE = re.compile(r"\+861\d{10}")


def mask_phone(e164: str) -> str:
    """Masked for roles that do not call customers: 138****5678 keeps the first 3 and last 4 digits."""
    digits = national_digits(e164)
    if not digits:
        return ""
    if len(digits) <= 7:
        return digits[:2] + "*" * (len(digits) - 4) + digits[-2:] if len(digits) > 4 else "****"
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def national_digits(e164: str) -> str:
    """The digits a Chinese caller dials (leading 0 for landlines), for search and masking."""
    if not e164:
        return ""
    if _CN_MOBILE.fullmatch(e164):
        return e164[3:]  # what phonenumbers' national format gives, without parsing (a queue masks 50 per page)
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except NumberParseException:
        return _DIGITS.sub("", e164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return _DIGITS.sub("", national)


def phone_search_digits(query: str) -> str:
    """The digits of a search query: '+86 138-1234-5678' and '13812345678' both give '13812345678'."""
    digits = _DIGITS.sub("", query or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits
