"""Vehicle identifiers: VIN (ISO 3779 / GB 16735, with check digit) and Chinese licence plates."""

import re
import unicodedata

VIN_LENGTH = 17
_VIN_CHARS = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # plates never use I or O
_ALNUM = _LETTERS + "0123456789"
# Ordinary plate: province, issuing-authority letter, 5 letters/digits (7 characters);
# some end with a use character (学 driving school, 警 police, 挂 trailer, 港/澳 cross-border, 领 consulate).
_ORDINARY = re.compile(rf"^[{PROVINCES}][A-Z][{_ALNUM}]{{4}}[{_ALNUM}学警挂港澳领试超]$")
# New-energy plate (8 characters): small cars D/F (or A-K) then 5 characters; large vehicles 5 digits then D/F.
_NEW_ENERGY_SMALL = re.compile(rf"^[{PROVINCES}][A-Z][A-HJK][{_ALNUM}]\d{{4}}$")
_NEW_ENERGY_LARGE = re.compile(rf"^[{PROVINCES}][A-Z]\d{{5}}[A-HJK]$")
_EMBASSY = re.compile(r"^使\d{6}$|^\d{3}\d{3}使$")


class IdentifierError(ValueError):
    """A VIN or plate that cannot be right."""


def _squash(raw: str) -> str:
    # Full-width letters (ＡＢＣ) and stray separators are common in hand-typed DMS data.
    text = unicodedata.normalize("NFKC", raw or "")
    return re.sub(r"[\s·•.\-_]", "", text).upper()


def vin_check_digit(vin: str) -> str:
    """The 9th character a VIN must carry, computed from the other sixteen."""
    total = sum(_TRANSLITERATION[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalize_vin(raw: str) -> str:
    """Upper-case 17-character VIN with a correct check digit, or IdentifierError saying what is wrong."""
    vin = _squash(raw)
    if len(vin) != VIN_LENGTH:
        raise IdentifierError(f"VIN 必须为 17 位 / VIN must have 17 characters, got {len(vin)}: {raw!r}")
    if not _VIN_CHARS.match(vin):
        raise IdentifierError(f"VIN 含非法字符(I/O/Q 不允许) / VIN has invalid characters: {raw!r}")
    expected = vin_check_digit(vin)
    if vin[8] != expected:
        raise IdentifierError(f"VIN 校验位错误 / VIN check digit is {vin[8]!r}, expected {expected!r}: {raw!r}")
    return vin


def normalize_plate(raw: str) -> str:
    """A Chinese plate in canonical form (粤B12345, 粤BD12345 new-energy), or IdentifierError."""
    plate = _squash(raw)
    if (
        _ORDINARY.match(plate)
        or _NEW_ENERGY_SMALL.match(plate)
        or _NEW_ENERGY_LARGE.match(plate)
        or _EMBASSY.match(plate)
    ):
        return plate
    raise IdentifierError(f"车牌号格式不正确 / not a Chinese licence plate: {raw!r}")


def plate_search_key(query: str) -> str:
    """A plate query squashed like stored plates, so '粤b·12345' finds 粤B12345."""
    return _squash(query)
