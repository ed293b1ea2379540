"""What can be checked in a piece of text: its numbers (Chinese numerals and 万/亿 included), its
names, its content words weighted by rarity, and its sentences. Verification, extraction and the
refusal thresholds all compare answers, questions and passages through these functions."""

from __future__ import annotations

import functools
import math
import re
import warnings

from .textnorm import compact, normalize, tokenize

_DMY = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])")  # 22.12.2015
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_SCALED = re.compile(r"(\d+(?:\.\d+)?)\s*(万|亿)")
_ENUMERATOR = re.compile(r"^\s*(?:[(（]?\d{1,2}[)）.、](?!\d)|[-*•])\s*")
_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》]{2,20})[”\"」』》]")
NAME_FLAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})
# English function words: tokenize() keeps them, but they carry no evidence
_EN_STOP = frozenset("""a an the of in on at to for from by with and or is are was were be been what which
    who whom whose when where why how many much did does do has have had it its this that these those
    there their than as about into over after before please tell me""".split())
NUMBER_WEIGHT = 12.0  # a number in a question is as telling as a rare word
PART_CREDIT = 0.5
UNKNOWN_WEIGHT = 14.0  # a word jieba's dictionary lacks: rare, but maybe a segmentation accident


def _canonical(number: str) -> str:
    whole, _, fraction = number.replace(",", "").partition(".")
    whole, fraction = whole.lstrip("0") or "0", fraction.rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole


def _arabic(text: str) -> set[str]:
    return {_canonical(n) for n in _NUMBER.findall(text)}


def _cn2an(text: str) -> str:
    import cn2an

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cn2an warns about every lone 万 it leaves alone
        return cn2an.transform(text, "cn2an")


def _scaled(text: str) -> set[str]:
    """'12.2万' -> '122000', so an answer may write the number either way."""
    factor = {"万": 10_000, "亿": 100_000_000}
    return {_canonical(f"{round(float(n) * factor[unit], 4):f}") for n, unit in _SCALED.findall(text)}


def strip_enumerator(text: str) -> str:
    """'2. 出列85个' -> '出列85个': list numbering is layout, not a claim."""
    return _ENUMERATOR.sub("", text)


def numbers_in(text: str, passage: bool = False) -> set[str]:
    """Numbers as canonical strings ('05' -> '5', '0.590' -> '0.59'). For a passage every form is
    listed; for an answer, small Chinese numerals (一是, 之一) are wording, not claims."""
    text = _ENUMERATOR.sub("", normalize(text))
    found: set[str] = set()
    for day, month, year in _DMY.findall(text):
        found |= {_canonical(day), _canonical(month), year}
    text = _DMY.sub(" ", text)
    arabic, converted = _arabic(text), _arabic(_cn2an(text))
    if passage:
        return found | arabic | converted | _scaled(text) | _scaled(_cn2an(text))
    return found | arabic | {n for n in converted - arabic if float(n) >= 10}


# the measures and counters a number may carry; longer first, so 人次 is not read as 人
UNITS = "人次|批次|公里|千米|平方米|万亩|亩|吨|兆瓦|千瓦|元|户|个|名|位|人|次|支|项|所|座|家|条|件|期|天|倍|份|笔|幅|处|头|只"
_QUANTITY = re.compile(rf"(\d+(?:\.\d+)?)\s*(万|亿)?\s*(%|{UNITS})?")
_SAME_UNIT = {"名": "人", "位": "人", "支": "个", "家": "个", "所": "个", "座": "个", "处": "个", "项": "个",
              "件": "个"}


def same_unit(unit: str) -> str:
    """Counters that count the same things are one unit: 名/位 are 人, 支/家/所 are 个."""
    return _SAME_UNIT.get(unit, unit)


def quantities_in(text: str) -> dict[str, set[tuple[str, str]]]:
    """number -> the (万/亿 scale, unit) forms it takes in the text: '1144.89万元' gives
    {'1144.89': {('万', '元')}}; counters such as 名/位 count as 人 and 支/家/所 as 个."""
    forms: dict[str, set[tuple[str, str]]] = {}
    text = normalize(text)
    for source in {text, _cn2an(text)}:
        for number, scale, unit in _QUANTITY.findall(_DMY.sub(" ", source)):
            forms.setdefault(_canonical(number), set()).add((scale, same_unit(unit)))
    return forms


def quantity_conflict(claim: str, passage: dict[str, set[tuple[str, str]]]) -> str | None:
    """A number the passage states with another scale or unit ('1144.89亿元' against
    '1144.89万元', '32人次' against '32个'): the first such form in the claim, else None."""
    for number, claimed in quantities_in(claim).items():
        stated = passage.get(number)
        if not stated:
            continue
        for scale, unit in claimed:
            same_scale = [u for s, u in stated if s == scale]
            if not same_scale or (unit and all(u and u != unit for u in same_scale)):
                return f"{number}{scale}{unit}"
    return None


@functools.lru_cache(maxsize=1)
def _tagger():
    """jieba's part-of-speech tagger over the shared tokenizer of rag.textnorm, so one
    dictionary (with the domain words) serves every stage."""
    from jieba.posseg import POSTokenizer

    from .textnorm import _jieba

    return POSTokenizer(_jieba())


def pos_tags(text: str) -> list[tuple[str, str]]:
    """(word, jieba part-of-speech flag) pairs; ns place, nr person, nt organisation, m number."""
    return [(pair.word, pair.flag) for pair in _tagger().cut(text)]


def han_share(text: str) -> float:
    letters = [c for c in text if c.isalnum()]
    return sum("\u3400" <= c <= "\u9fff" for c in letters) / len(letters) if letters else 0.0


def names_in(text: str) -> set[str]:
    """Proper names (people, places, organisations, other proper nouns), Latin words inside
    Chinese text (GDP) and quoted terms; English words of an English answer are not names."""
    text = normalize(text)
    chinese = han_share(text) >= 0.5
    names = {m.strip() for m in _QUOTED.findall(text) if han_share(m) >= 0.5 or chinese}
    for word, flag in pos_tags(text):
        if len(word) >= 2 and (flag in NAME_FLAGS or (chinese and flag == "eng")):
            names.add(word)
    return {n for n in names if n}


_ORGAN = re.compile(r"(人民政府|政府|党委|省委|市委|县委|区委|委员会|办公室)$")
_PLACE_LEVEL = re.compile(r"(自治区|省|市|县|区|镇|乡|村)$")


def named(text: str) -> list[tuple[str, ...]]:
    """The places, people and organisations a text names, each with its short form
    (河北省 -> 河北), in compact() form."""
    names = []
    for name in sorted(names_in(text)):
        place = _ORGAN.sub("", name)  # 河北省委 -> 河北: an organ of a place names the place
        if len(place) < 2:
            continue  # 人民政府, 省委: an organ of no place in particular
        short = _PLACE_LEVEL.sub("", place)
        names.append(tuple(sorted(compact(n) for n in {name, place, short} if len(n) >= 2)))
    return [n for n in names if n]


def mentions(forms: tuple[str, ...], context: str) -> bool:
    return any(form in context for form in forms)


def content_terms(text: str) -> list[str]:
    """tokenize() terms that carry meaning: no single characters (except numbers), no English
    function words."""
    return [t for t in dict.fromkeys(tokenize(text))
            if (len(t) >= 2 or t.isdigit()) and t not in _EN_STOP]


# words that only say what kind of answer is wanted (哪一天, 几名, 共有, 名称): never evidence
_ASKING = re.compile(r"^(哪|几|多大|多长|多高|多久|多远|多重|多少)|^(共有|各是|分别|名称|名字|姓名|两者|日期|一天|是谁|"
                     r"百分之|百分之几|报道|给出|提到|介绍)$")


def query_terms(question: str) -> list[str]:
    """The content terms of a question that a passage answering it should contain."""
    return [t for t in content_terms(question) if not _ASKING.search(t)]


def weight(term: str) -> float:
    """Rarity: -log of the word's frequency in jieba's dictionary (its corpus statistics), capped
    for words the dictionary lacks; numbers weigh as much as a rare word."""
    if any(c.isdigit() for c in term):
        return NUMBER_WEIGHT
    from .textnorm import _jieba

    tokenizer = _jieba()
    tokenizer.check_initialized()
    freq = tokenizer.FREQ.get(term)  # 0 marks a mere prefix of a dictionary word
    return min(math.log(tokenizer.total / freq), UNKNOWN_WEIGHT) if freq else UNKNOWN_WEIGHT


def coverage(terms: list[str], context: str) -> float:
    """Rarity-weighted share of `terms` found in `context` (a compact() string). tokenize() also
    yields the parts of long words (安岳县 -> 安岳, 岳县); a word counts once, and when it is
    missing its parts earn at most PART_CREDIT of it, so 贫困村 does not pass for 贫困发生率."""
    words = [t for t in terms if not any(t != other and t in other for other in terms)]
    total = sum(weight(w) for w in words)
    if not total:
        return 0.0
    found = 0.0
    for word in words:
        if word in context:
            found += weight(word)
        elif parts := [t for t in terms if t != word and t in word]:
            share = sum(weight(p) for p in parts if p in context) / sum(weight(p) for p in parts)
            found += PART_CREDIT * weight(word) * share
    return found / total


def overlap(body: str, context: str, question: str = "") -> float:
    """How much of a sentence's wording a passage holds, leaving out words the question itself
    used (a paraphrased question's words are the user's, not the model's claims); 1.0 for a
    sentence with no Chinese (an English answer can only be checked by its numbers)."""
    if han_share(body) < 0.5:
        return 1.0
    asked = compact(question)
    terms = [t for t in content_terms(body) if t not in asked]
    return coverage(terms, context) if terms else 1.0


_SENTENCE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+[”’」』\"]?|\n|$)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a passage, whitespace trimmed, empty ones skipped."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start and re.search(r"[0-9A-Za-z\u3400-\u9fff]", text[start:end]):
            spans.append((start, end))
    return spans
