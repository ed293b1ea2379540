"""Section headings the way these reports write them, and the section tree they imply.

Heading kinds, found in four passes over the paragraphs of the cleaned text:
  1. marked:  markdown #; 第X部分/篇/章/节; 一、; (一); 01 on its own line (taking the short line
              after it as its title); 1、/1.; (1); a question ending in ? followed by a speaker
              line and an answer ("qa", one unit); a short unpunctuated line followed by a
              paragraph ("line": 夯实脱贫根基, “实”字当头,把责任扛在肩上).
  2. period:  short one-sentence lines ending in 。 (全力推進基礎扶貧。), accepted only as a series
              of at least two under the same heading: a lone short line is an opening sentence.
  3. lead:    a paragraph whose first sentence is a short "A,B。" topic (瞄准扶贫对象,政策措施落地落实。),
              accepted only when parallel to another such lead under the same heading.
  4. item:    一是…/二是… at a sentence start, accepted only as a run 一是, 二是, … .
Numbered kinds nest by rank (一、 above (一) above 1、); unnumbered kinds nest by order of
appearance; items nest under whatever is open; a Q&A unit is top level and holds its whole answer.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass

from rag.ingest.clean import is_meta_line
from rag.text.normalize import HAN_CHAR
from rag.text.sentences import Span, clauses, paragraphs, sentences

CN_DIGITS = "一二三四五六七八九"
_CN = "一二三四五六七八九十百零〇"
_MARKDOWN = re.compile(r"(#{1,6})\s+(\S.*)")
_CHAPTER = re.compile(rf"第[{_CN}\d]+(部分|篇|章|节|節)")
_NUMBERED = (  # (kind, rank, pattern matched at the start of a paragraph)
    ("cn_num", 13, re.compile(rf"[{_CN}]+、")),
    ("paren_num", 14, re.compile(rf"[(（][{_CN}]+[)）]")),
    ("arabic", 15, re.compile(r"\d{1,2}(?:、|[.．](?!\d))\s*\S")),
    ("paren_arabic", 16, re.compile(r"[(（]\d{1,2}[)）]")),
)
_CHAPTER_RANK = {"部分": 10, "篇": 10, "章": 11, "节": 12, "節": 12}
_NUMERAL_ALONE = re.compile(r"\d{1,2}")
_ITEM = re.compile(rf"([{CN_DIGITS}十]{{1,3}})是(?![否不非])")
_ITEM_RANK = 30
_QUOTES = re.compile(r"[“”‘’《》「」『』\"'\s]")
_NOT_LINE_END = ",，。.!！?？;；:：、…—-"
_BODY_END = "。；;…”"
_LINE_MAX, _SPEAKER_MAX, _PERIOD_MAX, _LEAD_MAX, _TITLE_MAX = 40, 30, 20, 30, 40
_NEIGHBOURS = 8  # series members are compared with this many candidates on each side


@dataclass(frozen=True)
class Heading:
    start: int  # where the heading begins in the text
    body: int  # where the text under it begins
    title: str
    kind: str
    rank: int | None = None  # numbered kinds nest by rank; None: by order of appearance


@dataclass(frozen=True)
class Section:
    path: tuple[str, ...]  # titles from the top, e.g. ("02 重點工作規劃及推進情況", "全力推進民生扶貧")
    start: int
    end: int
    body: int  # where the text under the heading begins; body == end: a heading with nothing under it
    kind: str  # the heading's kind; "preamble" for the text before the first heading


def find_sections(text: str) -> list[Section]:
    """Sections tiling `text` in order: the preamble (if any text precedes the first heading), then
    one section per heading, each running to the next heading."""
    paras = paragraphs(text)
    headings = _detect(text, paras)
    return _tree(text, paras, headings)


# --- detection ------------------------------------------------------------------------------------
def _detect(text: str, paras: list[Span]) -> list[Heading]:
    found = _marked(text, paras)
    if any(h.kind == "markdown" for h in found.values()):  # explicit headings: no guessing from short lines
        found = {i: h for i, h in found.items() if h.kind != "line"}
    first = found.get(0)
    if (
        first
        and (first.kind == "line" or first.kind == "markdown" and first.rank == 0)
        and not _recurs(first, found.values())
    ):
        del found[0]  # the document's title line (a top-level one), not a section of it
    found.update(_series(_periods(text, paras, found), paras, found, _any_sibling))
    found.update(_series(_leads(text, paras, found), paras, found, _parallel))
    return sorted([*found.values(), *_items(text, paras, found)], key=lambda h: h.start)


def _marked(text: str, paras: list[Span]) -> dict[int, Heading]:
    found: dict[int, Heading] = {}
    skip = -1
    for i in range(len(paras)):
        if i == skip:
            continue
        heading, used = _marked_at(text, paras, i)
        if heading:
            found[i] = heading
            skip = i + used - 1
    return found


def _marked_at(text: str, paras: list[Span], i: int) -> tuple[Heading | None, int]:
    """The heading starting at paragraph i and how many paragraphs it takes."""
    p, t = paras[i], _text(text, paras[i])
    nxt = _text(text, paras[i + 1]) if i + 1 < len(paras) else ""
    after = _text(text, paras[i + 2]) if i + 2 < len(paras) else ""
    if m := _MARKDOWN.fullmatch(t):
        return Heading(p.start, p.end, m.group(2).strip("# "), "markdown", len(m.group(1)) - 1), 1
    if m := _CHAPTER.match(t):
        return _lead_heading(text, p, "chapter", _CHAPTER_RANK[m.group(1)]), 1
    for kind, rank, pattern in _NUMBERED:
        if pattern.match(t):
            return _lead_heading(text, p, kind, rank), 1
    if _NUMERAL_ALONE.fullmatch(t):
        if _is_line(nxt) and after and not _is_line(after):
            return Heading(p.start, paras[i + 1].end, f"{t} {nxt}", "numeral", 15), 2
        return Heading(p.start, p.end, t, "numeral", 15), 1
    if _is_question(t) and _answer_follows(nxt, after):
        used = 2 if _is_line(nxt, _SPEAKER_MAX) else 1
        return Heading(p.start, paras[i + used - 1].end, _question_title(text, p), "qa"), used
    if _is_line(t) and not _ITEM.match(t) and nxt and not _is_line(nxt) and not is_meta_line(nxt):
        return Heading(p.start, p.end, t, "line"), 1
    return None, 0


def _recurs(heading: Heading, headings) -> bool:
    return sum(h.kind == heading.kind and h.rank == heading.rank for h in headings) > 1


def _periods(text: str, paras: list[Span], found: dict[int, Heading]) -> dict[int, Heading]:
    out = {}
    for i, p in enumerate(paras[:-1]):
        t, nxt = _text(text, p), _text(text, paras[i + 1])
        if (
            i not in found
            and t.endswith("。")
            and len(t) - 1 <= _PERIOD_MAX
            and not re.search(r"\d", t)
            and not _ITEM.match(t)
            and len(sentences(text, p.start, p.end)) == 1
            and not _is_line(nxt)
            and not is_meta_line(nxt)
        ):
            out[i] = Heading(p.start, p.end, t.rstrip("。"), "period")
    return out


@dataclass(frozen=True)
class _Lead:
    heading: Heading
    shape: tuple[int, ...]  # clause lengths, quotes not counted
    prefix: str


def _leads(text: str, paras: list[Span], found: dict[int, Heading]) -> dict[int, _Lead]:
    out = {}
    for i, p in enumerate(paras):
        sents = sentences(text, p.start, p.end) if i not in found else []
        if len(sents) < 2 or p.end - sents[0].end < 10:
            continue
        core = text[sents[0].start : sents[0].end]
        parts = [_QUOTES.sub("", c) for c in re.split(r"[,，]", core[:-1])]
        if (
            core.endswith("。")
            and len(parts) >= 2
            and sum(map(len, parts)) <= _LEAD_MAX
            and not re.search(r"\d", core)
            and not _ITEM.match(core)
        ):
            heading = Heading(p.start, sents[0].end, core[:-1], "lead")
            out[i] = _Lead(heading, tuple(map(len, parts)), core[:2])
    return out


def _parallel(a: _Lead, b: _Lead) -> bool:
    """Topic leads come as parallel phrases (排比): same opening, or clauses of the same lengths."""
    same_shape = len(a.shape) == len(b.shape) and all(abs(x - y) <= 1 for x, y in zip(a.shape, b.shape, strict=True))
    return a.prefix == b.prefix or same_shape


def _any_sibling(a, b) -> bool:
    """Short 。-lines need no likeness: two under one heading make a series."""
    return True


def _series(candidates: dict, paras: list[Span], found: dict[int, Heading], related) -> dict[int, Heading]:
    """Keep the candidates that have a related sibling under the same heading (compared with
    their nearest neighbours only, so a long document stays linear)."""
    starts = sorted(found)
    groups: dict[int, list[int]] = {}
    for i in sorted(candidates):
        groups.setdefault(bisect.bisect_left(starts, i), []).append(i)
    keep = {}
    for members in groups.values():
        for k, i in enumerate(members):
            near = members[max(0, k - _NEIGHBOURS) : k] + members[k + 1 : k + 1 + _NEIGHBOURS]
            if any(related(candidates[i], candidates[j]) for j in near):
                keep[i] = candidates[i].heading if isinstance(candidates[i], _Lead) else candidates[i]
    return keep


def _items(text: str, paras: list[Span], found: dict[int, Heading]) -> list[Heading]:
    """一是…/二是… at sentence starts, as runs of consecutive numbers of at least two."""
    runs: list[list[Heading]] = [[]]
    number = 0
    for i, p in enumerate(paras):
        if i in found:
            runs.append([])
        for s in sentences(text, found[i].body if i in found else p.start, p.end):
            m = _ITEM.match(text, s.start, s.end)
            n = _cn_value(m.group(1)) if m else 0
            if n == 1:
                runs.append([])
            if n == 1 or (n and n == number + 1 and runs[-1]):
                title, body = _lead_title(text, s)
                runs[-1].append(Heading(s.start, body, title, "item", _ITEM_RANK))
                number = n
    return [h for run in runs if len(run) >= 2 for h in run]


# --- the tree -------------------------------------------------------------------------------------
def _tree(text: str, paras: list[Span], headings: list[Heading]) -> list[Section]:
    counts = Counter(h.kind for h in headings)
    placed: list[tuple[Heading, tuple[str, ...]]] = []
    stack: list[Heading] = []
    for h in headings:
        if stack and stack[0].kind == "qa" and h.kind not in ("qa", "markdown", "chapter", "cn_num", "numeral"):
            continue  # a Q&A unit keeps its answer whole
        stack = _place(stack, h, counts)
        placed.append((h, tuple(x.title for x in stack)))
    first = placed[0][0].start if placed else len(text)
    sections = []
    if text[:first].strip():
        sections.append(Section((), 0, first, _preamble_body(text, paras, first), "preamble"))
    for (h, path), nxt in zip(placed, [*placed[1:], None], strict=False):
        sections.append(Section(path, h.start, nxt[0].start if nxt else len(text), h.body, h.kind))
    return sections


def _place(stack: list[Heading], h: Heading, counts: Counter) -> list[Heading]:
    if h.kind == "qa" or (stack and stack[0].kind == "qa"):
        return [h] if h.kind == "qa" else _place([], h, counts)
    if h.rank is None:
        same = [i for i, e in enumerate(stack) if e.kind == h.kind]
    else:
        same = [i for i, e in enumerate(stack) if e.rank is not None and e.rank >= h.rank]
        if not same and h.kind != "item" and all(e.rank is None for e in stack):
            stack = [e for e in stack if counts[e.kind] > 1]  # a one-off line before an outline is a kicker
    return [*stack[: same[0]], h] if same else [*stack, h]


def _preamble_body(text: str, paras: list[Span], end: int) -> int:
    """Where prose starts before the first heading; `end` when there is only a title, date and
    source (such a preamble joins the first section instead of making a chunk of its own)."""
    for p in paras:
        t = _text(text, p)
        if p.start >= end:
            break
        if not is_meta_line(t) and (t[-1] in _BODY_END or len(t) >= 60):
            return p.start
    return end


# --- small helpers --------------------------------------------------------------------------------
def _text(text: str, p: Span) -> str:
    return text[p.start : p.end]


def _is_line(t: str, limit: int = _LINE_MAX) -> bool:
    """A short unpunctuated line: a heading, a speaker's name, a kicker (not a table row)."""
    return (
        bool(t)
        and "\n" not in t
        and len(t) <= limit
        and t[-1] not in _NOT_LINE_END
        and t[0] not in "—-(（"
        and "|" not in t
        and bool(HAN_CHAR.search(t))
        and not is_meta_line(t)
        and not _MARKDOWN.fullmatch(t)
    )


def _is_question(t: str) -> bool:
    t = t.rstrip("”’」 ")
    return "\n" not in t and len(t) <= 150 and (t.endswith(("?", "？")) or bool(re.match(r"[问問][:：]", t)))


def _answer_follows(nxt: str, after: str) -> bool:
    if re.match(r"[答][:：]", nxt):
        return True
    return _is_line(nxt, _SPEAKER_MAX) and bool(after) and not _is_line(after) and not _is_question(after)


def _question_title(text: str, p: Span) -> str:
    """The question itself, without the statements that lead up to it."""
    sents = sentences(text, p.start, p.end)
    first = next((s for s in sents if text[s.end - 1] in "?？"), sents[0])
    return re.sub(r"^[问問][:：]\s*", "", text[first.start : p.end])


def _lead_heading(text: str, p: Span, kind: str, rank: int) -> Heading:
    title, body = _lead_title(text, sentences(text, p.start, p.end)[0])
    return Heading(p.start, body, title, kind, rank)


def _lead_title(text: str, sentence: Span) -> tuple[str, int]:
    """A heading's title from its first sentence: the sentence if short, else its first clause."""
    s = text[sentence.start : sentence.end]
    if len(s) <= _TITLE_MAX:
        return _strip_end(s), sentence.end
    first = clauses(text, sentence)[0]
    c = text[first.start : first.end]
    if len(c) <= _TITLE_MAX:
        return _strip_end(c), first.end
    return c[:30] + "…", first.start + 30


def _strip_end(s: str) -> str:
    return s.rstrip("。.,，;；:：!！、 ")


def _cn_value(numeral: str) -> int:
    """一..九十九 as an int (一是 .. 十二是); 0 for anything that is not such a numeral."""
    tens, ten, ones = numeral.partition("十")
    if not ten:
        tens, ones = "", numeral
    if len(tens) > 1 or len(ones) > 1 or "十" in ones or (not ten and not ones):
        return 0
    digit = {"": 0, **{c: i for i, c in enumerate(CN_DIGITS, 1)}}
    return (digit[tens] or 1) * 10 * bool(ten) + digit[ones]
