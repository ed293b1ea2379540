"""Numbers as a claim states them: Arabic and Chinese numerals (cn2an), 万/亿 scales, dates, and
the units and counters they carry. Verification compares an answer's numbers with a passage's
through these functions."""

from __future__ import annotations

import functools
import re
import warnings

from rag.text.lexicon import alternation, mapping, words
from rag.text.normalize import WORD_CHAR, normalize
from rag.text.tokenize import segment

# a sentence that gives a date: a year, a month or a day
DATE_MENTION = re.compile(r"\d{4}|\d{1,2}月|\d{1,2}日|[一二三四五六七八九十]+月")
DMY = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])")  # 22.12.2015
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
# a figure as tables and statistics print it, 5,349 or 21,782.5, else plain digits
_FIGURE_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALED = re.compile(rf"({_FIGURE_DIGITS})\s*(万|亿)")
_ENUMERATOR = re.compile(r"^\s*(?:[(（]?\d{1,2}[)）.、](?!\d)|[-*•])\s*")
# the measures and counters a number may carry; longer first, so 人次 is not read as 人
UNITS = alternation("units.counters")
_QUANTITY = re.compile(rf"({_FIGURE_DIGITS})\s*(万|亿)?\s*(%|{UNITS})?")


_HEDGE = alternation("units.hedges")
_HEDGED = re.compile(f"({_HEDGE})[为是有]?$")  # the passage's 约为5.6万 hedges 5.6万 with 约
_AFTER = re.compile(f"(?:{alternation('units.hedges_after')})?")  # 5000余人, 300多名
_FIGURE = re.compile(rf"(?<![\d.,]){_NUMBER.pattern}")  # a whole number, not the 6 of 16
_SCALE = re.compile("[万亿千百]?")
HEDGE_REACH = 4  # characters before a claim's figure in which a hedge of its own counts


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
    return {_canonical(f"{round(float(n.replace(',', '')) * factor[unit], 4):f}") for n, unit in _SCALED.findall(text)}


def strip_enumerator(text: str) -> str:
    """'2. 出列85个' -> '出列85个': list numbering is layout, not a claim."""
    return _ENUMERATOR.sub("", text)


def numbers_in(text: str, passage: bool = False) -> set[str]:
    """Numbers as canonical strings ('05' -> '5', '0.590' -> '0.59'). For a passage every form is
    listed; for an answer, small Chinese numerals (一是, 之一) are wording, not claims."""
    text = _ENUMERATOR.sub("", normalize(text))
    found: set[str] = set()
    for day, month, year in DMY.findall(text):
        found |= {_canonical(day), _canonical(month), year}
    text = DMY.sub(" ", text)
    arabic, converted = _arabic(text), _arabic(_cn2an(text))
    if passage:
        return found | arabic | converted | _scaled(text) | _scaled(_cn2an(text))
    return found | arabic | {n for n in converted - arabic if float(n) >= 10} | _counted(text) - arabic


def _counted(text: str) -> set[str]:
    """Small Chinese numerals that count something (三个, 两座, 五户): claims, unlike the 一是 or
    之一 of wording. 一 is left out: 一个 is as often an article as a count."""
    return {
        _canonical(n)
        for n, _scale, unit in _QUANTITY.findall(_cn2an(text))
        if unit and unit != "%" and 1 < float(n.replace(",", "")) < 10
    }


@functools.lru_cache(maxsize=1)
def _same() -> dict[str, str]:
    return mapping("units.same")


def same_unit(unit: str) -> str:
    """Counters that count the same things are one unit: 名/位 are 人, 支/家/所 are 个."""
    return _same().get(unit, unit)


# a table cell in the one row convention whose column names the unit: 产值(万元):5,349
_HEADED = re.compile(rf"[(（]\s*(万|亿)?\s*(%|{UNITS})\s*[)）]\s*[:：]\s*({_FIGURE_DIGITS})(?![\d%])")


def quantities_in(text: str) -> dict[str, set[tuple[str, str]]]:
    """number -> the (万/亿 scale, unit) forms it takes in the text: '1144.89万元' gives
    {'1144.89': {('万', '元')}}, and so does a table cell '产值（万元）：1144.89' whose column names
    the unit; counters such as 名/位 count as 人 and 支/家/所 as 个."""
    forms: dict[str, set[tuple[str, str]]] = {}
    text = normalize(text)
    for source in {text, _cn2an(text)}:
        for number, scale, unit in _QUANTITY.findall(DMY.sub(" ", source)):
            forms.setdefault(_canonical(number), set()).add((scale, same_unit(unit)))
        for scale, unit, number in _HEADED.findall(source):
            forms.setdefault(_canonical(number), set()).add((scale, same_unit(unit)))
    return forms


_COUNTED = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:万|亿)?\s*({UNITS})([\u4e00-\u9fff]{{2,}})")
COUNT_WINDOW = 12  # characters either side of a number within which a passage names what it counts


def counted_things(claim: str) -> list[tuple[str, str]]:
    """(number as written, the word it counts) for each counted noun in a claim: '新建了8座冷库'
    gives ('8', '冷库'), '派出11名能手' ('11', '能手')."""
    found, measures = [], set(words("units.measures"))
    for number, unit, rest in _COUNTED.findall(_cn2an(normalize(claim))):
        if unit in measures:
            continue
        parts = segment(rest)
        if parts and len(parts[0]) >= 2:
            found.append((number, parts[0]))
    return found


def counts_elsewhere(claim: str, passage: str) -> str | None:
    """The first counted thing of the claim whose number the passage gives only for something
    else: '8座冷库' over '新建泵站8处' (座 and 处 are both counters of 个, so the units agree).
    None when the passage names the thing within COUNT_WINDOW
    characters of the number, or does not give the number as written (other checks see to it)."""
    text = _cn2an(normalize(passage))
    for number, thing in counted_things(claim):
        spots = [m.start() for m in re.finditer(rf"(?<![\d.]){re.escape(number)}(?![\d])", text)]
        if spots and not any(thing in text[max(0, i - COUNT_WINDOW) : i + len(number) + COUNT_WINDOW] for i in spots):
            return f"{number} {thing}"
    return None


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


def _always(pattern: re.Pattern[str], text: str, pos: int = 0) -> str:
    """What `pattern`, optional throughout (_AFTER, _SCALE), matches at `pos`: '' when nothing."""
    m = pattern.match(text, pos)
    assert m is not None  # a pattern that matches the empty string always matches
    return m.group()


def _agreement(a: str, b: str) -> int:
    """How many characters of words (not marks) the two texts share from their starts."""
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y or not WORD_CHAR.match(x)), min(len(a), len(b))
    )


def _hedges_of(figure: str, after: str, source: str) -> set[tuple[str, str]]:
    """(the hedge before, the hedge after) at each place `source` (normalised) gives `figure`
    (with its 万/亿 scale), '' for none, over the places where the words after it agree longest
    with `after` (6米 is not the 6 of 6个)."""
    spots = []
    for m in re.finditer(rf"(?<![\d.,]){re.escape(figure)}(?![\d]|[.,]\d)", source):
        tail = _always(_AFTER, source, m.end())
        before = _HEDGED.search(source[: m.start()][-HEDGE_REACH:])
        agree = _agreement(source[m.end() + len(tail) : m.end() + len(tail) + HEDGE_REACH], after)
        spots.append((agree, before.group(1) if before else "", tail))
    best = max((agree for agree, *_ in spots), default=0)
    return {(before, tail) for agree, before, tail in spots if agree == best}


def hedge_restored(claim: str, passage: str) -> str:
    """`claim` with each figure given the hedges the passage puts around it (5.6万平方米 ->
    近5.6万平方米 against 总面积近5.6万平方米, 3000人 -> 3000余人): the figure without its 近,
    约, 不到 or 余 says more than the passage does. A figure the claim hedges itself, or one the
    passage gives bare or hedged in more than one way (where the same words follow it), is left
    as it is; the hedge is the simplified form."""
    source = normalize(passage)
    parts, last = [], 0
    for m in _FIGURE.finditer(claim):
        end = m.end() + len(_always(_SCALE, claim, m.end()))
        found = _hedges_of(normalize(claim[m.start() : end]), normalize(claim[end : end + HEDGE_REACH]), source)
        if len(found) != 1:
            continue
        before, tail = found.pop()
        if before and not re.search(_HEDGE, normalize(claim[max(0, m.start() - HEDGE_REACH) : m.start()])):
            parts += [claim[last : m.start()], before]
            last = m.start()
        if tail and not _always(_AFTER, normalize(claim[end : end + 1])):
            parts += [claim[last:end], tail]
            last = end
    return "".join(parts) + claim[last:]
