"""What a question asks for, as a type: a time, a person, a place, an organization, a title or
a quantity (rag/lang/zh/words.toml, [question]); for a quantity also the units that can
answer it (多少户 asks for 户; a 收入 for 元; a 发生率 for %). An answer answers only when it
names a thing of that type that the question does not already name: 谁枪击了安倍晋三 is not
answered by a sentence whose only person is 安倍晋三, nor a 收入 by a count of 人次."""

from __future__ import annotations

import re

from rag.text.entities import KINDS, entities
from rag.text.lexicon import alternation, english, words
from rag.text.normalize import compact, normalize
from rag.text.numbers import UNITS, numbers_in, quantities_in, same_unit
from rag.text.sentences import sentence_spans
from rag.text.tokenize import jieba_tokenizer, word_count

ASKS_QUANTITY = re.compile(f"{alternation('question.quantity')}|{english('question.quantity_en')}", re.I)
_WHICH = r"(?:哪|(?<![为如任几])(?:什么|何))一?[个家座所部本首位条]?"
_OPEN = re.compile(alternation("question.open"))
_END = r"(?:是|为|叫|有)?(?:什么|谁|哪些?)?\s*[?？。!！]*\s*$"
ASKS_DATE = re.compile(
    f"{alternation('question.date')}|(?:{alternation('question.time_ends')}){_END}"
    f"|{_WHICH}(?:{alternation('question.time_nouns')})|{english('question.date_en')}",
    re.I,
)
ASKS_PERSON = re.compile(f"{alternation('question.person')}|{english('question.person_en')}", re.I)
# a role ending the question asks for its holder (编剧是?), unless the question names what kind of
# thing it wants first (什么集团的总裁? asks for the group)
_ASKS_ROLE = re.compile(f"(?:{alternation('question.person_roles')}){_END}")
_ASKS = (  # tried in order: the first that matches is what the question asks for
    ("time", ASKS_DATE),
    ("person", ASKS_PERSON),
    # 在哪 alone asks where; 在哪一年, 在哪次比赛 ask a time or a thing
    (
        "place",
        re.compile(
            f"{alternation('question.place')}|在哪(?![一个次场部段些种])"
            f"|{_WHICH}(?:{alternation('question.place_nouns')})"
            f"|{english('question.place_en')}",
            re.I,
        ),
    ),
    ("organization", re.compile(f"{_WHICH}(?:{alternation('question.organization_nouns')})")),
    ("title", re.compile(f"{_WHICH}(?:{alternation('question.title_nouns')})")),
    ("person", _ASKS_ROLE),
)
# The kinds of named thing (rag.text.entities) that answer each kind of question. A body of people
# answers who (索尼公司 as the sponsor), a proper noun of no known kind (jieba's nz) answers who,
# where and which organization, a journal (a title) answers where something was published, and a
# title is as often an unmarked name: the taggers' recall on right answers decides
# (eval/notes/answer-types.md, "Issues 31 and 32": what the type check costs).
ANSWERED_BY = {
    "time": {"time"},
    "person": {"person", "organization", "name"},
    "place": {"place", "name", "title"},
    "organization": {"organization", "name"},
    "title": set(KINDS),
}
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
    return unit if any(w == unit or (w.endswith(unit) and w[: -len(unit)] in ("几", "多少")) for w in words) else None


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
    """What the question asks for: 'time', 'person', 'place', 'organization', 'title' or
    'quantity'; None when it asks for no type in particular (what, why, how). The types are tried
    in that order: 哪一年 asks a time, 哪个国家的总统是谁 a person, 多少个国家 a quantity; a
    question asking why or how asks for none, whatever nouns follow (为什么河口…)."""
    query = normalize(query)
    if _OPEN.search(query):
        return None
    for kind, asks in _ASKS:
        if asks.search(query):
            return kind
    return "quantity" if _asks_quantity(query) else None


def values(kind: str, text: str, question: str = "", passage: str = "") -> set[str]:
    """The things `text` names that could answer a question asking for `kind` (named things of
    that type, or numbers for a quantity), less those the question already names. With `passage`
    (what the text cites), only what stands in it, and the passage's own reading counts too: a
    name is tagged better in its whole sentence than in a short answer."""
    if kind == "quantity":
        return numbers_in(text, passage=True) - numbers_in(question, passage=True)
    found = {word for word, found_kind in entities(text) if _answers(kind, word, found_kind)}
    claim, asked = compact(text), compact(question)
    if passage:
        held = compact(passage)
        found = {v for v in found if compact(v) in held}
        found |= {
            word
            for a, b in sentence_spans(passage)
            for word, found_kind in entities(passage[a:b])
            if _answers(kind, word, found_kind) and compact(word) in claim
        }
    return {v for v in found if compact(v) and compact(v) not in asked}


def _answers(kind: str, word: str, found_kind: str) -> bool:
    """Whether a named thing of `found_kind` answers a question asking for `kind`. A place the
    taggers guessed for a word no dictionary knows may be a foreign person's name (滨田省吾 read
    as 滨田省 + 吾), so it answers who; a known place (日本) does not."""
    if found_kind in ANSWERED_BY[kind]:
        return True
    return kind == "person" and found_kind == "place" and not word_count(word)


def kind_missing(question: str, claim: str, passage: str) -> str | None:
    """Why a claim does not answer a typed question: it names no thing of the asked type that is
    not the question's own and that stands in `passage` (what it cites). None when it does, or
    when the question asks for no type. A quantity has its own checks (missing_value,
    unit_mismatch)."""
    kind = asked_kind(question)
    if kind is None or kind == "quantity" or values(kind, claim, question, passage):
        return None
    return f"names no {kind} where one is asked"


def answers_kind(query: str, sentence: str) -> bool | None:
    """Whether the sentence holds a thing of the kind asked for, other than those the question
    names; None when the question asks for no particular kind."""
    kind = asked_kind(query)
    if kind is None:
        return None
    return bool(values(kind, sentence, query))
