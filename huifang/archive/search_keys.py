"""Search keys stored beside a customer: pinyin and initials of the name, digits of every phone."""

import re
from functools import lru_cache

from huifang.core.phones import national_digits

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


# A name's keys depend on the name alone: a big import meets the same names again and again (10,705 distinct
# names among 13,825 customers of the 100k benchmark file), and pypinyin costs ~0.1 ms a name.
NAME_CACHE_SIZE = 8192


@lru_cache(maxsize=NAME_CACHE_SIZE)
def name_pinyin(name: str) -> str:
    """'张三' -> 'zhangsan' (letters and digits in the name are kept as they are)."""
    from pypinyin import lazy_pinyin  # imported on first use: its dictionaries cost every process ~0.5 s to load

    return _NOT_ALNUM.sub("", "".join(lazy_pinyin(name or "", errors="default")).lower())


@lru_cache(maxsize=NAME_CACHE_SIZE)
def name_initials(name: str) -> str:
    """'张三' -> 'zs'; 'A车队' -> 'acd'."""
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
    return _NOT_ALNUM.sub("", "".join(letters).lower())


def phone_digits(*e164_numbers: str) -> str:
    """Every number as the digits a caller dials, space separated, for substring search."""
    return " ".join(d for d in (national_digits(n) for n in e164_numbers if n) if d)
