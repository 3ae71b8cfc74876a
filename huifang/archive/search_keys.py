"""Search keys stored beside a customer: pinyin and initials of the name, digits of every phone."""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache

from huifang.core.phones import national_digits

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


# A name's keys depend on the name alone: a big import meets the same names again and again (10,705 distinct
# names among 13,825 customers of the 100k benchmark file), and pypinyin costs ~0.1 ms a name.
NAME_CACHE_SIZE = 8192


@dataclass(slots=True)
class KnownKeys:
    """Keys worked out elsewhere (the import's reader process), by the same functions: name -> (pinyin,
    initials), E.164 number -> national digits."""

    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    digits: dict[str, str] = field(default_factory=dict)

    def learn(self, names: dict[str, tuple[str, str]], digits: dict[str, str]) -> None:
        self.names.update(names)
        self.digits.update(digits)


# The keys an import in this thread (context) was sent; consulted before computing (issue 18 §2).
_known: ContextVar[KnownKeys | None] = ContextVar("search_keys_known", default=None)


@contextmanager
def known_keys() -> Iterator[KnownKeys]:
    """Keys learnt inside the block are used by `name_keys` and `phone_digits` until it ends (then dropped)."""
    known = KnownKeys()
    token = _known.set(known)
    try:
        yield known
    finally:
        _known.reset(token)


def worked_out(names: Iterable[str], numbers: Iterable[str]) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """The keys of these names and numbers, for a `KnownKeys` in another process. One that fails is left out:
    the importing process computes it, and fails, where it always did."""
    found_names: dict[str, tuple[str, str]] = {}
    found_digits: dict[str, str] = {}
    for name in names:
        with suppress(Exception):
            found_names[name] = name_keys(name)
    for number in numbers:
        with suppress(Exception):
            found_digits[number] = _national_digits(number)
    return found_names, found_digits


@lru_cache(maxsize=NAME_CACHE_SIZE)
def name_keys(name: str) -> tuple[str, str]:
    """(pinyin, initials) of a name from one pypinyin pass: '张三' -> ('zhangsan', 'zs').

    pypinyin's first-letter style is the first letter of the plain style, syllable by syllable, and characters
    without pinyin come back one by one: each item's first character is what the first-letter style gives.
    """
    known = _known.get()
    if known is not None and (keys := known.names.get(name)) is not None:
        return keys
    from pypinyin import lazy_pinyin  # imported on first use: its dictionaries cost every process ~0.5 s to load

    items = lazy_pinyin(name or "", errors=list)
    pinyin = _NOT_ALNUM.sub("", "".join(items).lower())
    initials = _NOT_ALNUM.sub("", "".join([item[:1] for item in items]).lower())
    return pinyin, initials


def name_pinyin(name: str) -> str:
    """'张三' -> 'zhangsan' (letters and digits in the name are kept as they are)."""
    return name_keys(name)[0]


def name_initials(name: str) -> str:
    """'张三' -> 'zs'; 'A车队' -> 'acd'."""
    return name_keys(name)[1]


# A landline goes through phonenumbers (~0.3 ms); a company's office number is shared by its customers and
# contacts (7,300 distinct among 8,781 landlines of the 100k benchmark file).
@lru_cache(maxsize=NAME_CACHE_SIZE)
def _national_digits(e164: str) -> str:
    known = _known.get()
    if known is not None and (digits := known.digits.get(e164)) is not None:
        return digits
    return national_digits(e164)


def phone_digits(*e164_numbers: str) -> str:
    """Every number as the digits a caller dials, space separated, for substring search."""
    return " ".join(d for d in (_national_digits(n) for n in e164_numbers if n) if d)
