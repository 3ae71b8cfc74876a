"""Major complaint (重大投诉, seed 004): which rules fire for a complaint, and why.

Pure: no ORM and no clock. The service passes the complaint's own words, the vehicle's repair and claim
orders and the store's policy; `assess` returns the reasons ([] when the complaint is not major).

- media/legal: a media or legal word the customer acts towards in the same clause (找记者, 向消协投诉,
  起诉), not denied (我不会找媒体, 没有找律师) and not a look-alike (多媒体, 在抖音上看到广告);
- nature / channel: the form says media, consumer association or court, or it came through them;
- compensation: the amount demanded is above the store's threshold (10,000 RMB);
- repeat repair: the vehicle's repair and claim orders of the last 12 months name the complaint's fault
  (symptom and system, in any wording: 异响/有响声/咔咔响) at least 3 times; maintenance and first-service
  orders and routine work (保养, 机油, 洗车) never count;
- safety: a safety event (自燃, 刹车失灵, 车祸), not denied (没有起火), not a worry (担心会自燃), not a
  routine use (安全带, 安全起见, 气囊灯);
- refused: the dealer and the floor manager handled it without agreement (a box on the form).

The complaint's words are its content, background and demand, without the questionnaire a complaint from
a follow-up call quotes: the questions are the store's words, not the customer's.
"""

import logging
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

from . import defaults, major_words
from .choices import ComplaintChannel, ComplaintNature

MAJOR_RULE_LABELS = {
    "media_legal": "涉及媒体/法律",
    "nature": "投诉性质",
    "channel": "外部机构转投诉",
    "compensation": "索赔金额超标",
    "repeat_repair": "同一故障多次维修",
    "safety": "安全事件",
    "refused": "经销商和经理处理未果",
}
# Natures that mean media, consumer-association or legal involvement (seed 004 "投诉性质").
RISKY_NATURES = frozenset({ComplaintNature.MEDIA_RISK, ComplaintNature.CONSUMER_ASSOCIATION, ComplaintNature.LEGAL})
# Channels through which media or authorities are already involved (seed 004 channel 5).
RISKY_CHANNELS = frozenset({ComplaintChannel.MEDIA, ComplaintChannel.GOVERNMENT})
# Rules that also start the 4-hour written report to the manufacturer (seed 004: 媒体或司法介入).
MEDIA_REPORT_RULES = frozenset({"media_legal", "nature", "channel"})

_DIGITS = re.compile(r"\d+")
# "3·15", "3.15晚会", "三一五": how people write the consumer-rights day; read as 315.
_THREE_FIFTEEN = re.compile(r"(?:3\s*[·•・.．]\s*15(?!\d)|三\s*[·•・]?\s*一五)")
# Clauses: a denial or an act reaches no further than a comma or a full stop.
_CLAUSE_END = re.compile(r"[，,。！!？?；;：:\n]+")
# Sentences: a fault's system and symptom may sit in two clauses of one sentence (刹车的时候，咔咔响).
_SENTENCE_END = re.compile(r"[。！!？?；;\n]+")


def split_words(words: str | Iterable[str]) -> list[str]:
    """A policy's word list ("媒体,曝光 记者，律师") as clean words, in order, without duplicates."""
    items = re.split(r"[,，、;；\s]+", words) if isinstance(words, str) else list(words)
    seen: dict[str, None] = {}
    for item in items:
        word = item.strip()
        if word:
            seen.setdefault(word, None)
    return list(seen)


# --- Tokens ---------------------------------------------------------------------------------------------

_KNOWN_WORDS: set[str] = set()
_WORDS_LOCK = threading.Lock()


@cache
def _tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    _teach(tokenizer, major_words.LOOKALIKE_WORDS)
    _teach(tokenizer, major_words.MEDIA_LEGAL_ACTS)
    return tokenizer


def _teach(tokenizer, words: Iterable[str]) -> None:
    new_words = [w for w in words if not w.isdigit() and w not in _KNOWN_WORDS]
    if not new_words:
        return
    # jieba's add_word grows the dictionary total on every call, so each word is added once.
    with _WORDS_LOCK:
        for word in new_words:
            if word not in _KNOWN_WORDS:
                tokenizer.add_word(word, freq=100000)
                _KNOWN_WORDS.add(word)


def _cut(text: str, words: Iterable[str] = ()) -> list[str]:
    """Jieba tokens of a clause, each policy word known as one token (消费者协会 stays whole)."""
    tokenizer = _tokenizer()
    _teach(tokenizer, words)
    return [t for t in tokenizer.cut(text, HMM=False) if t.strip()]


def tokens(text: str, words: Iterable[str] = ()) -> list[str]:
    """The text cut into words by jieba, with each policy word known as one token (so 消费者协会 stays whole).

    Digit runs are returned whole ("3150" is not "315"); 12315 (the consumer hotline) also yields 315.
    """
    text = _THREE_FIFTEEN.sub(" 315 ", text or "")
    result = [t for t in _cut(text, words) if not t.isdigit()]
    for run in _DIGITS.findall(text):
        result.append(run)
        if run.startswith("12") and len(run) > 2:
            result.append(run[2:])
    return result


def _is_word(token: str, word: str) -> bool:
    if token == word:
        return True
    # The consumer hotline 12315 is the 315 line.
    return word.isdigit() and token.isdigit() and token.startswith("12") and token[2:] == word


def _first_word(token: str, wanted: list[str], positions: dict[str, int]) -> str | None:
    """The first policy word (in `wanted`'s order) that `token` is (_is_word), found by two look-ups instead of
    a walk over the whole list for every token (the list has dozens of words; a complaint, hundreds of tokens).
    The words are unique, so at most two can match: the token itself and, for 12xxx, the line xxx."""
    exact = positions.get(token)
    hotline = positions.get(token[2:]) if token.startswith("12") and len(token) > 2 and token.isdigit() else None
    if exact is None:
        return None if hotline is None else wanted[hotline]
    return wanted[exact if hotline is None or exact < hotline else hotline]


def _clauses(text: str) -> list[str]:
    text = _THREE_FIFTEEN.sub(" 315 ", text or "")
    return [c for c in _CLAUSE_END.split(text) if c.strip()]


def _preceded_by(cut: Sequence[str], index: int, stoppers: frozenset[str], passable: frozenset[str]) -> bool:
    """Whether a word of `stoppers` governs cut[index]: walking back across small words only."""
    for token in reversed(cut[:index]):
        if token in stoppers:
            return True
        if token not in passable:
            return False
    return False


@dataclass(frozen=True)
class WordHit:
    """A policy word found in a clause, with what surrounds it."""

    word: str
    denied: bool
    hypothetical: bool
    lamp: bool
    acted_on: bool


def word_hits(text: str, words: str | Iterable[str]) -> list[WordHit]:
    """Every occurrence of a policy word in the text, clause by clause, with its denial/worry/act context."""
    wanted = split_words(words)
    positions = {word: i for i, word in enumerate(wanted)}
    hits: list[WordHit] = []
    acts = major_words.MEDIA_LEGAL_ACTS
    for clause in _clauses(text):
        cut = _cut(clause, wanted)
        passable = major_words.SCOPE_WORDS | acts | frozenset(wanted)
        act_positions = [i for i, t in enumerate(cut) if t in acts]
        for i, token in enumerate(cut):
            word = _first_word(token, wanted, positions)
            if word is None:
                continue
            following = cut[i + 1] if i + 1 < len(cut) else ""
            if following in ("故障", "警告", "报警", "指示") and i + 2 < len(cut):
                # jieba may cut 故障灯 into 故障 + 灯.
                following += cut[i + 2]
            denied = _preceded_by(cut, i, major_words.NEGATIONS, passable)
            hits.append(
                WordHit(
                    word=word,
                    denied=denied,
                    hypothetical=_preceded_by(cut, i, major_words.HYPOTHETICALS, passable),
                    lamp=following.startswith(major_words.LAMP_PREFIXES),
                    acted_on=any(
                        p == i or not _preceded_by(cut, p, major_words.NEGATIONS, passable) for p in act_positions
                    )
                    and not denied,
                )
            )
    return hits


def matched_words(text: str, words: str | Iterable[str]) -> list[str]:
    """The policy words found as whole tokens of the text, in the policy's order (warning lamps excepted)."""
    wanted = split_words(words)
    found = {h.word for h in word_hits(text, wanted) if not h.lamp}
    return [w for w in wanted if w in found]


def media_legal_found(text: str, words: str | Iterable[str]) -> list[str]:
    """Media/legal words the customer acts towards (找, 投诉, 起诉 ... in the clause), not denied; policy order."""
    wanted = split_words(words)
    found = {h.word for h in word_hits(text, wanted) if h.acted_on}
    return [w for w in wanted if w in found]


def safety_found(text: str, words: str | Iterable[str]) -> list[str]:
    """Safety-event words that report an event: not denied, not a worry, not a warning lamp; policy order."""
    wanted = split_words(words)
    found = {h.word for h in word_hits(text, wanted) if not (h.denied or h.hypothetical or h.lamp)}
    return [w for w in wanted if w in found]


# --- Faults and repeat repairs --------------------------------------------------------------------------


@cache
def _patterns() -> tuple[dict[str, re.Pattern], dict[str, re.Pattern], re.Pattern]:
    symptoms = {name: re.compile(rx) for name, rx in major_words.FAULT_SYMPTOMS.items()}
    systems = {name: re.compile(rx) for name, rx in major_words.FAULT_SYSTEMS.items()}
    routine = re.compile("|".join(re.escape(w) for w in major_words.ROUTINE_SERVICE_WORDS))
    return symptoms, systems, routine


@dataclass(frozen=True)
class Fault:
    """What goes wrong where, read from one sentence: symptoms (异响, 抖动) and systems (刹车, 底盘)."""

    symptoms: frozenset[str]
    systems: frozenset[str]
    routine: bool = False

    @property
    def label(self) -> str:
        """How the reason names it: 抖动（刹车、转向）."""
        what = "、".join(sorted(self.symptoms)) or "故障"
        return f"{what}（{'、'.join(sorted(self.systems))}）" if self.systems else what


def _symptoms_in(clause: str) -> set[str]:
    symptoms, _systems, _routine = _patterns()
    found = set()
    for name, pattern in symptoms.items():
        for match in pattern.finditer(clause):
            if not clause[: match.start()].endswith(major_words.FAULT_NEGATION_BEFORE):
                found.add(name)
                break
    return found


def faults(text: str) -> list[Fault]:
    """The faults a text describes, one per sentence; a clause naming only a symptom takes the system of
    the clause before it (刹车的时候，咔咔响). A sentence of routine work without a symptom is routine."""
    _symptoms, systems, routine = _patterns()
    result = []
    for sentence in _SENTENCE_END.split(text or ""):
        carried: set[str] = set()
        for clause in _CLAUSE_END.split(sentence):
            found_systems = {name for name, pattern in systems.items() if pattern.search(clause)}
            found_symptoms = _symptoms_in(clause)
            if found_symptoms:
                result.append(Fault(frozenset(found_symptoms), frozenset(found_systems or carried)))
                carried = set()
            elif found_systems:
                if routine.search(clause):
                    result.append(Fault(frozenset(), frozenset(found_systems), routine=True))
                    carried = set()
                else:
                    carried = found_systems
        if carried:
            result.append(Fault(frozenset(), frozenset(carried)))
    return result


def same_fault(a: Fault, b: Fault) -> bool:
    """Two faults are the same when a symptom matches and the systems agree (or one side names none); a
    fault named by its system only ("发动机的问题") matches the same system, but never routine work."""
    if a.routine or b.routine:
        return False
    if a.symptoms and b.symptoms:
        shared = a.symptoms & b.symptoms
        if shared & major_words.SYSTEM_FREE_SYMPTOMS:
            return True
        return bool(shared) and (not a.systems or not b.systems or bool(a.systems & b.systems))
    return bool(a.systems & b.systems)


@dataclass(frozen=True)
class Order:
    """A repair order of the vehicle as the rule sees it: type (工单类型), opened, fault description."""

    ro_type: str
    opened_at: date | datetime
    fault: str


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def orders_in_scope(orders: Iterable[Order], *, received: date | datetime, months: int) -> list[Order]:
    """Repair and claim orders (never maintenance or first service) of the `months` before `received`."""
    day = _as_date(received)
    since = day - timedelta(days=30 * months)
    types = set(defaults.REPEAT_REPAIR_ORDER_TYPES)
    return [o for o in orders if o.ro_type in types and since <= _as_date(o.opened_at) <= day]


def repeat_repairs(complaint_text: str, orders: Iterable[Order]) -> tuple[int, str]:
    """(count, fault): how many of the orders were for the complaint's fault, for its most repaired fault."""
    wanted = [f for f in faults(complaint_text) if not f.routine]
    order_faults = [faults(o.fault) for o in orders]
    best, label = 0, ""
    for fault in wanted:
        count = sum(1 for found in order_faults if any(same_fault(fault, other) for other in found))
        if count > best:
            best, label = count, fault.label
    return best, label


def repeat_repair_count(complaint_text: str, orders: Iterable[Order]) -> int:
    """How many of the vehicle's (in-scope) orders were for the complaint's fault."""
    return repeat_repairs(complaint_text, orders)[0]


# --- The complaint's own words ----------------------------------------------------------------------------


def complaint_words(
    *, content: str, background: str = "", demand: str = "", source_answers: Iterable[Mapping] = ()
) -> str:
    """Content, background and demand without the questionnaire a complaint from a call quotes.

    The questions are the store's script ("本次维修/保养的项目价格..."), so they are cut out wherever they
    appear; the customer's answers and the caller's note stay.
    """
    text = "\n".join(filter(None, [content, background, demand]))
    questions = sorted({str(a.get("question") or "").strip() for a in source_answers}, key=len, reverse=True)
    for question in questions:
        if question:
            text = text.replace(question, " ")
    return text


# --- Reasons ------------------------------------------------------------------------------------------


def _reason(rule: str, detail: str) -> dict:
    return {"rule": rule, "label": MAJOR_RULE_LABELS[rule], "detail": detail}


def major_reasons(
    text: str,
    *,
    media_legal_words: str | Iterable[str],
    safety_words: str | Iterable[str],
    compensation: Decimal | None,
    threshold: Decimal,
    repeat_count: int,
    repeat_threshold: int,
    refused_by_manager: bool,
    nature: str = ComplaintNature.GENERAL,
    channel: str = "",
    nature_label: str = "",
    channel_label: str = "",
    repeat_fault: str = "",
) -> list[dict]:
    """Which seed 004 major-complaint rules fire, each {"rule", "label", "detail"}; empty when none."""
    reasons = []
    media = media_legal_found(text, media_legal_words)
    if media:
        reasons.append(_reason("media_legal", "、".join(media)))
    if nature in RISKY_NATURES:
        reasons.append(_reason("nature", nature_label or str(nature)))
    if channel in RISKY_CHANNELS:
        reasons.append(_reason("channel", channel_label or str(channel)))
    if compensation is not None and Decimal(compensation) > Decimal(threshold):
        reasons.append(_reason("compensation", f"¥{Decimal(compensation):,.2f} > ¥{Decimal(threshold):,.2f}"))
    if repeat_threshold and repeat_count >= repeat_threshold:
        detail = f"{repeat_count} ≥ {repeat_threshold}"
        reasons.append(_reason("repeat_repair", f"{detail}：{repeat_fault}" if repeat_fault else detail))
    safety = safety_found(text, safety_words)
    if safety:
        reasons.append(_reason("safety", "、".join(safety)))
    if refused_by_manager:
        reasons.append(_reason("refused", "经销商和现场经理已处理，未与客户达成一致"))
    return reasons


def assess(
    *,
    content: str,
    background: str = "",
    demand: str = "",
    source_answers: Iterable[Mapping] = (),
    orders: Iterable[Order] = (),
    received: date | datetime,
    media_legal_words: str | Iterable[str],
    safety_words: str | Iterable[str],
    compensation: Decimal | None,
    threshold: Decimal,
    repeat_threshold: int,
    refused_by_manager: bool,
    nature: str = ComplaintNature.GENERAL,
    channel: str = "",
    nature_label: str = "",
    channel_label: str = "",
) -> list[dict]:
    """The major-complaint reasons of a complaint and its vehicle's order history (see the module text)."""
    text = complaint_words(content=content, background=background, demand=demand, source_answers=source_answers)
    scoped = orders_in_scope(orders, received=received, months=defaults.REPEAT_REPAIR_MONTHS)
    count, fault = repeat_repairs(text, scoped)
    return major_reasons(
        text,
        media_legal_words=media_legal_words,
        safety_words=safety_words,
        compensation=compensation,
        threshold=threshold,
        repeat_count=count,
        repeat_threshold=repeat_threshold,
        refused_by_manager=refused_by_manager,
        nature=nature,
        channel=channel,
        nature_label=nature_label,
        channel_label=channel_label,
        repeat_fault=fault,
    )


def needs_media_report(reasons: Iterable[Mapping]) -> bool:
    """Media or legal involvement asks for the written report to the manufacturer (seed 004: within 4 hours)."""
    return any(r["rule"] in MEDIA_REPORT_RULES for r in reasons)
