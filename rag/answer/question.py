"""What a question asks for: a date, a person, or a quantity, and for a quantity the units that
can answer it (多少户 asks for 户; a 收入 for 元; a 发生率 for %). An answer whose numbers all
come with other units (收入是0.59%, 接待了12个游客) answers some other question."""

from __future__ import annotations

import re

from rag.text.lexicon import alternation, english, words
from rag.text.normalize import normalize
from rag.text.numbers import DATE_MENTION, UNITS, numbers_in, quantities_in, same_unit
from rag.text.tokenize import jieba_tokenizer, pos_tags

ASKS_QUANTITY = re.compile(f"{alternation('question.quantity')}|{english('question.quantity_en')}", re.I)
ASKS_DATE = re.compile(f"{alternation('question.date')}|{english('question.date_en')}", re.I)
ASKS_PERSON = re.compile(f"{alternation('question.person')}|{english('question.person_en')}", re.I)
_NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万亿]")
_A_FEW = re.compile(r"[这那]几")  # 这几年, 那几个: "these few", not "how many"

_EXPLICIT = re.compile(rf"(?:多少|几)\s*(?:万|亿)?\s*({UNITS})")
_PERCENT = re.compile(alternation("question.percent"))
_MONEY = re.compile(alternation("question.money"), re.I)
_CHANGE = re.compile(alternation("question.change"))
_PEOPLE = re.compile(alternation("question.people"))
PEOPLE = frozenset({"人", "人次"})


def asked_units(question: str) -> frozenset[str] | None:
    """The units an answer to a quantity question may carry; None when the question does not
    say (or asks for no quantity)."""
    question = normalize(question)  # the question words are listed in simplified script
    if not _asks_quantity(question):
        return None
    if unit := _counter_asked(question):
        unit = same_unit(unit)
        return PEOPLE if unit == "人" else frozenset({unit})
    if _PERCENT.search(question) or _asks_rate(question):
        return frozenset({"%"})
    wanted = frozenset({"元"}) if _MONEY.search(question) else PEOPLE if _PEOPLE.search(question) else None
    if wanted and _CHANGE.search(question):
        return wanted | {"%"}  # a rise or fall may be told as a percentage
    return wanted


def _asks_quantity(question: str) -> bool:
    """Whether a (normalised) question asks for a quantity."""
    return bool(ASKS_QUANTITY.search(_A_FEW.sub("", question)))


def _asks_rate(question: str) -> bool:
    """A word ending in 率 (发生率, 增长率, 利率) asks for a percentage; 功率 or 心率 do not."""
    measures = set(words("question.rates_not_percent"))
    return any(w.endswith("率") and w not in measures for w in jieba_tokenizer().cut(question))


def _counter_asked(question: str) -> str | None:
    """The counter right after 多少/几 when it is a word of its own (多少户, 几座, 多少名), not
    the first character of a longer word (多少项目资金 asks for money, not for 项)."""
    explicit = _EXPLICIT.search(question)
    if not explicit:
        return None
    words = [w.strip() for w in jieba_tokenizer().cut(question) if w.strip()]
    unit = explicit[1]
    return unit if any(w == unit or (w.endswith(unit) and w[:-len(unit)] in ("几", "多少")) for w in words) else None


def unit_mismatch(question: str, claim: str) -> str | None:
    """The claim's own numbers (not the question's) all carry units, none of them one the
    question asks for: '0.59% where 元 is asked'. None when they fit or cannot be told."""
    wanted = asked_units(question)
    if not wanted:
        return None
    own = numbers_in(claim) - numbers_in(question)
    units = {unit for number, forms in quantities_in(claim).items() if number in own for _, unit in forms}
    if not units or "" in units or units & wanted:
        return None
    return f"{'/'.join(sorted(units))} where {'/'.join(sorted(wanted))} is asked"


def missing_value(question: str, claim: str) -> str | None:
    """A quantity is asked and the claim states no number of its own (电话号码是多少 ->
    "某某的电话号码是[1]"): it names the thing asked and leaves its value out. None when the
    claim gives one, or when no quantity is asked (a date or a name cannot be told this surely:
    jieba tags neither 清朝 nor 亚他纳修 a name, so "no name where 谁 is asked" cost DRCD two right
    answers and caught nothing there)."""
    question = normalize(question)
    if not _asks_quantity(question) or ASKS_DATE.search(question):
        return None
    if numbers_in(claim, passage=True) - numbers_in(question, passage=True):
        return None
    return "no number for what is asked"


def asked_kind(query: str) -> str | None:
    """'date', 'person' or 'quantity': the kind of thing the question asks for; None when it
    asks for none in particular (what, why, how). A date asked as 哪一年 is a date, not a
    quantity."""
    query = normalize(query)
    for kind, asks in (("date", ASKS_DATE.search), ("person", ASKS_PERSON.search), ("quantity", _asks_quantity)):
        if asks(query):
            return kind
    return None


def answers_kind(query: str, sentence: str) -> bool | None:
    """Whether the sentence holds the kind of thing asked for (a number, a date, a person);
    None when the question asks for no particular kind."""
    kind = asked_kind(query)
    if kind is None:
        return None
    sentence = normalize(sentence)
    if kind == "date":
        return bool(DATE_MENTION.search(sentence))
    if kind == "person":
        return any(flag.startswith("nr") for _, flag in pos_tags(sentence))
    return bool(_NUMBER.search(sentence))
