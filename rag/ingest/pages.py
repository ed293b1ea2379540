"""The printed page as text: running headers, footers and page numbers that a printer repeats on
every page taken off, printed lines joined into paragraphs, and whether a page ends inside a
paragraph that the next page goes on with. Text layers and OCR'd scans go through the same rules;
they differ only in what says that a line reaches the right margin or opens a paragraph."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Sequence

from rag.ingest.clean import join_glue

_EDGE = 2  # running lines sit among the first or last two lines of a page
_FULL = 0.8  # a text-layer line at least this share of the page's widest line fills the width
_SENTENCE_END = "。！？!?；;：:.…"
_CLOSING = "”」』）)’\"'"
_DIGITS = re.compile(r"\d+")
_LEADER = re.compile(r"(?:\.{3,}|…{2,}|·{3,}|-{3,}|_{3,})\s*\d+$")  # a contents entry: dots leading to its page
_PAGE_NUMBER = re.compile(
    r"[-—–\s]*(?:第\s*\d+\s*[页頁](?:\s*[,，/／]?\s*共\s*\d+\s*[页頁])?"
    r"|(?:[Pp]age\s*)?\d+(?:\s*(?:/|／|of)\s*\d+)?|[-—–]\s*\d+\s*[-—–])[-—–\s]*"
)


@dataclass(frozen=True)
class Printed:
    """One printed line of a page."""

    text: str
    full: bool | None = None  # it reaches the right margin; None: judged by its length on the page
    opens: bool = False  # it visibly opens a paragraph (indented, or blank space above it)
    marked: bool = False  # its document marks every opening so: not opening, it goes on with the line before
    note: bool = False  # a footnote, printed at the foot of the page


@dataclass(frozen=True)
class PageText:
    text: str  # the page's paragraphs, one a line
    runs_on: bool = False  # its last paragraph goes on at the top of the next page


def text_layer_lines(page: str) -> list[Printed]:
    """A PDF text layer as printed lines (their fullness judged later, against the page)."""
    return [Printed(line.strip()) for line in page.split("\n") if line.strip()]


def page_texts(pages: Sequence[Sequence[Printed]]) -> list[PageText]:
    """Each page's printed lines -> paragraphs, with running lines and page numbers gone."""
    kept = _without_running(pages)
    bodies = [[line for line in lines if not line.note] for lines in kept]
    out: list[PageText] = []
    carried: list[str] = []
    for i, lines in enumerate(bodies):
        runs_on = _runs_on(lines, bodies[i + 1] if i + 1 < len(bodies) else [])
        notes = [line.text for line in kept[i] if line.note]
        paragraphs, carried = _with_notes(_paragraphs(lines), notes, carried, runs_on)
        out.append(PageText("\n".join(paragraphs), runs_on))
    if carried and out:
        out[-1] = PageText("\n".join(filter(None, [out[-1].text, *carried])), out[-1].runs_on)
    return out


def _without_running(pages: Sequence[Sequence[Printed]]) -> list[list[Printed]]:
    """Each page's lines but its running header, footer and page number (the first page's
    header kept when it names the document)."""
    running = _running_keys([[line.text for line in page] for page in pages])
    kept = []
    for i, page in enumerate(pages):
        head = _head(page, running) if i == 0 else None
        kept.append(
            _fullness(
                [
                    Printed(line.text, full=False) if k == head else line
                    for k, line in enumerate(page)
                    if k == head or not _is_running(line.text, k, len(page), running)
                ]
            )
        )
    return kept


def _runs_on(lines: list[Printed], next_page: list[Printed]) -> bool:
    """Whether a page's last paragraph goes on at the top of the next page. Where openings are
    not marked, a page's first line is said to open by the space between it and a running header
    (OCR): over a page break, only the width counts."""
    if not lines or not next_page:
        return False
    following = next_page[0] if next_page[0].marked else replace(next_page[0], opens=False)
    return _goes_on(lines[-1], following)


def _with_notes(
    paragraphs: list[str], notes: list[str], carried: list[str], runs_on: bool
) -> tuple[list[str], list[str]]:
    """(the page's paragraphs with footnotes placed, the footnotes still to place). A footnote is
    read after the paragraph a page break splits, not inside it: where the page runs on, after
    the paragraph the next page ends."""
    if carried and (len(paragraphs) > 1 or not runs_on):
        paragraphs[1:1], carried = carried, []
    return (paragraphs, carried + notes) if runs_on else (paragraphs + notes, carried)


def _fullness(lines: list[Printed]) -> list[Printed]:
    width = max((len(line.text) for line in lines), default=0)
    return [
        line if line.full is not None else Printed(line.text, len(line.text) >= _FULL * width, line.opens)
        for line in lines
    ]


def _goes_on(line: Printed, following: Printed) -> bool:
    """Whether `following` goes on with the paragraph `line` is in: `line` fills the width and
    `following` opens nothing. A line that ends a sentence ends its paragraph too, unless the
    document marks where its paragraphs open. A closing quote or bracket ends a sentence only
    after a sentence's end (“…。” does, 实行“双线” does not); an entry of a table of contents
    (its dots leading to a page number) is whole."""
    if not line.full or following.opens or _LEADER.search(line.text):
        return False
    text = line.text.rstrip(_CLOSING) or line.text
    return text[-1] not in _SENTENCE_END or following.marked


def _paragraphs(lines: list[Printed]) -> list[str]:
    out: list[str] = []
    previous: Printed | None = None
    for line in lines:
        if previous is not None and _goes_on(previous, line):
            out[-1] += join_glue(out[-1], line.text) + line.text
        else:
            out.append(line.text)
        previous = line
    return out


def _key(line: str) -> str:
    """A line compared across pages: page numbers in it vary, so digits count as one mark."""
    return _DIGITS.sub("#", re.sub(r"\s+", "", line))


def _running_keys(pages: list[list[str]]) -> set[str]:
    """Lines printed at the top or bottom of at least half the pages (and of two at least)."""
    if len(pages) < 2:
        return set()
    counts = Counter(key for page in pages for key in {_key(line) for line in page[:_EDGE] + page[-_EDGE:]})
    need = max(2, math.ceil(len(pages) / 2))
    return {key for key, n in counts.items() if n >= need}


def running_lines(pages: Sequence[Sequence[str]]) -> list[list[bool]]:
    """Which of each page's lines page_texts takes off as running lines (headers, footers, page
    numbers), so that a layout judges the text beside them without them."""
    running = _running_keys([list(page) for page in pages])
    return [[_is_running(line, k, len(page), running) for k, line in enumerate(page)] for page in pages]


def running_head(pages: Sequence[Sequence[Printed]]) -> str:
    """The running header page_texts keeps at the top of the first page ("" when none is kept)."""
    running = _running_keys([[line.text for line in page] for page in pages])
    k = _head(pages[0], running) if pages else None
    return "" if k is None else pages[0][k].text


def _head(page: Sequence[Printed], running: set[str]) -> int | None:
    """Where the first page's running header stands, if it has one: kept there once, because a
    running header names the document (重庆扶贫专报第四十八期, a county's bulletin) and a scan
    or a converted file may state it nowhere else."""
    for k, line in enumerate(page[:_EDGE]):
        if _key(line.text) in running and not _PAGE_NUMBER.fullmatch(line.text):
            stated = {
                _key(other.text.lstrip("#"))
                for j, other in enumerate(page)
                if not _is_running(other.text, j, len(page), running)
            }
            return None if _key(line.text) in stated else k
    return None


def _is_running(line: str, k: int, size: int, running: set[str]) -> bool:
    at_edge = k < _EDGE or k >= size - _EDGE
    return at_edge and (_key(line) in running or bool(_PAGE_NUMBER.fullmatch(line)))
