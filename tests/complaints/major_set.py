"""The labelled major-complaint set (tests/data/complaints_major): loading and scoring, shared by the tests."""

import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from huifang.complaints import defaults, major

DATA = Path(__file__).resolve().parent.parent / "data" / "complaints_major"


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    expected: frozenset[str]
    received: date
    background: str = ""
    demand: str = ""
    channel: str = "phone"
    nature: str = "general"
    compensation: Decimal | None = None
    refused: bool = False
    answers: tuple[dict, ...] = ()
    orders: tuple[major.Order, ...] = field(default=())

    @property
    def is_major(self) -> bool:
        return bool(self.expected)


def load(name: str) -> list[Case]:
    """The cases of one file of the set (cases.toml: written with the rules; holdout.toml: written after)."""
    data = tomllib.loads((DATA / name).read_text(encoding="utf-8"))
    return [_case(raw, data["received"]) for raw in data["case"]]


def _case(raw: dict, received: date) -> Case:
    return Case(
        id=raw["id"],
        text=raw["text"],
        expected=frozenset(raw["expected"]),
        received=received,
        background=raw.get("background", ""),
        demand=raw.get("demand", ""),
        channel=raw.get("channel", "phone"),
        nature=raw.get("nature", "general"),
        compensation=Decimal(str(raw["compensation"])) if "compensation" in raw else None,
        refused=raw.get("refused", False),
        answers=tuple(raw.get("answers", ())),
        orders=tuple(major.Order(o["type"], o["date"], o["fault"]) for o in raw.get("orders", ())),
    )


def fired(case: Case) -> frozenset[str]:
    """The rules the store's default policy fires for the case."""
    reasons = major.assess(
        content=case.text,
        background=case.background,
        demand=case.demand,
        source_answers=case.answers,
        orders=case.orders,
        received=case.received,
        media_legal_words=defaults.MEDIA_LEGAL_WORDS,
        safety_words=defaults.SAFETY_WORDS,
        compensation=case.compensation,
        threshold=Decimal(defaults.MAJOR_COMPENSATION_RMB),
        repeat_threshold=defaults.MAJOR_REPEAT_REPAIRS,
        refused_by_manager=case.refused,
        nature=case.nature,
        channel=case.channel,
    )
    return frozenset(r["rule"] for r in reasons)


@dataclass(frozen=True)
class Score:
    majors: int
    found_right: int
    others: int
    false_flags: int
    misses: tuple[str, ...]
    wrong_reason: tuple[str, ...]
    false_ids: tuple[str, ...]

    @property
    def recall(self) -> float:
        return self.found_right / self.majors

    @property
    def false_positive_rate(self) -> float:
        return self.false_flags / self.others

    def line(self, name: str) -> str:
        return (
            f"{name}: {self.majors} major, {self.found_right} flagged with the right reasons "
            f"(recall {self.recall:.0%}); {self.others} not major, {self.false_flags} flagged "
            f"(false-positive rate {self.false_positive_rate:.1%}); missed {list(self.misses)}, "
            f"wrong reason {list(self.wrong_reason)}, false flags {list(self.false_ids)}"
        )


def score(cases: list[Case], results: dict[str, frozenset[str]]) -> Score:
    """Recall with the right reasons (fired rules == expected rules) and the false-positive rate."""
    majors = [c for c in cases if c.is_major]
    others = [c for c in cases if not c.is_major]
    misses = tuple(c.id for c in majors if not results[c.id])
    wrong = tuple(c.id for c in majors if results[c.id] and results[c.id] != c.expected)
    false_ids = tuple(c.id for c in others if results[c.id])
    return Score(
        majors=len(majors),
        found_right=len(majors) - len(misses) - len(wrong),
        others=len(others),
        false_flags=len(false_ids),
        misses=misses,
        wrong_reason=wrong,
        false_ids=false_ids,
    )
