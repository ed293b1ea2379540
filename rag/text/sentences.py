"""THE sentence splitter: paragraphs and sentences of text as character spans, so every later cut
(chunks, highlights, extracts, a streamed answer) can be mapped back to the text exactly and is cut
the same way. A sentence ends at 。！？；… (and their half-width forms), never inside quotes, book
titles or brackets, never inside a number (12.2万 has no sentence end in it)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from rag.text.normalize import WORD_CHAR


@dataclass(frozen=True)
class Span:
    start: int
    end: int


_PARAGRAPH = re.compile(r"[^\n]+(?:\n[^\n]+)*")
_END = re.compile(r"(?:[。！？!?；;]+|…+|\.{3,})[”’」』\"']*|(?<=[A-Za-z%)\]])\.(?=\s)")
# Spans that must stay whole: a sentence end inside them is not one (“……。”说 is one sentence).
_PROTECTED = re.compile(
    r"“[^“”\n]{0,200}”|《[^《》\n]{0,80}》|「[^「」\n]{0,200}」|『[^『』\n]{0,200}』"
    r"|\([^()\n]{0,120}\)|（[^（）\n]{0,120}）"
)
_LINE = re.compile(r"[^\n]+")
_CLAUSE = re.compile(r"[,，、:：]")


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Runs of non-blank lines within text[start:end], trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    return [
        _trim(text, m.start(), m.end())
        for m in _PARAGRAPH.finditer(text, start, end)
        if text[m.start() : m.end()].strip()
    ]


def sentences(text: str, start: int = 0, end: int | None = None, lines: bool = False) -> list[Span]:
    """Sentences of text[start:end]; a paragraph break always ends one, and with `lines` so does
    every line break (a passage's list items, a model's answer lines)."""
    out: list[Span] = []
    blocks = _lines(text, start, end) if lines else paragraphs(text, start, end)
    for para in blocks:
        cut = para.start
        for boundary in _boundaries(text, para.start, para.end):
            out.append(_trim(text, cut, boundary))
            cut = boundary
        if text[cut : para.end].strip():
            out.append(_trim(text, cut, para.end))
    return [s for s in out if s.end > s.start]


def _lines(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    end = len(text) if end is None else end
    return [_trim(text, m.start(), m.end()) for m in _LINE.finditer(text, start, end) if m.group().strip()]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a passage that says something (has a letter, digit or Han
    character), line breaks included: what extracts and highlights are made of."""
    return [(s.start, s.end) for s in sentences(text, lines=True) if WORD_CHAR.search(text[s.start : s.end])]


def clauses(text: str, span: Span) -> list[Span]:
    """The clauses of one sentence, for cutting a sentence too long to embed whole."""
    inside = _protected(text, span.start, span.end)
    cuts = [
        m.end()
        for m in _CLAUSE.finditer(text, span.start, span.end)
        if not _in_number(text, m.start()) and not inside(m.end())
    ]
    bounds = [span.start, *cuts, span.end]
    return [_trim(text, a, b) for a, b in zip(bounds, bounds[1:], strict=False) if text[a:b].strip()]


def _boundaries(text: str, start: int, end: int) -> list[int]:
    inside = _protected(text, start, end)
    return [m.end() for m in _END.finditer(text, start, end) if m.end() < end and not inside(m.end())]


def _protected(text: str, start: int, end: int):
    """A test for "this position is strictly inside quotes or brackets" (spans do not overlap,
    as the pattern consumes them left to right, so one bisect answers it)."""
    spans = [(m.start(), m.end()) for m in _PROTECTED.finditer(text, start, end)]
    starts = [a for a, _ in spans]

    def inside(pos: int) -> bool:
        i = bisect.bisect_left(starts, pos) - 1
        return i >= 0 and spans[i][0] < pos < spans[i][1]

    return inside


def _in_number(text: str, i: int) -> bool:
    """1,000 and 10:50 are one number each: never cut between their digits."""
    return 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


# citation markers right after a sentence's end belong to it: "降至0.59%。[1]"
_TRAILING_MARKERS = re.compile(r"(?:\s*[\[【][^\]】\n]{0,16}[\]】])+[。.]?")


class SentenceStream:
    """sentences() over streamed text: a sentence is handed out once its end, any citation
    markers right after it, and the start of the next sentence have arrived. Whitespace between
    sentences leads the sentence after it."""

    def __init__(self) -> None:
        self.buffer = ""

    def _ends(self) -> list[int]:
        ends: list[int] = []
        for span in sentences(self.buffer, lines=True):
            if ends and span.end <= ends[-1]:
                continue  # markers already taken by the sentence before
            if ends and _TRAILING_MARKERS.fullmatch(self.buffer[ends[-1] : span.end]):
                ends[-1] = span.end  # a sentence of nothing but markers: the previous one's citation
                continue
            markers = _TRAILING_MARKERS.match(self.buffer, span.end)
            end = markers.end() if markers else span.end
            while self.buffer[end : end + 1] == "\n":
                end += 1  # the line break that ended it
            ends.append(end)
        return ends

    def feed(self, piece: str) -> list[str]:
        self.buffer += piece
        ends = self._ends()[:-1]  # the last sentence may still be coming
        while ends and self.buffer[ends[-1] :].lstrip()[:1] in ("[", "【"):
            ends.pop()  # and so may a citation that has begun after a sentence's end
        if not ends:
            return []
        out = [self.buffer[a:b] for a, b in zip([0, *ends], ends, strict=False)]
        self.buffer = self.buffer[ends[-1] :]
        return out

    def flush(self) -> list[str]:
        rest, self.buffer = self.buffer, ""
        return [rest] if rest.strip() else []
