"""A PDF page's text layer read from its layout (pdfplumber: characters with their boxes and
fonts, ruled lines, the table finder), as the printed lines rag.ingest.pages joins:

- columns: a page set in two or more columns is read column by column, top to bottom; a line or
  table crossing the gutter (a title, a wide table, a running header or page number centred on
  the page) stays where it stands, between the bands of columns above and below it;
- lines: each marked as reaching its column's right edge (so it goes on in the next line: what
  the next line begins with would not have fitted, as in type set ragged right) or opening a
  paragraph (an indent, a larger gap above it, another font size), judged without the running
  lines; where the document marks every opening, a line that opens none goes on even after a
  sentence's end; footnotes at the foot of a page and their raised marks in the text are told;
- headings: a short line set larger than the document's body text becomes a markdown heading,
  `#` for the largest size, `##` for the next; numbered headings set at body size (一、, （二）)
  are left to the chunker, which knows them;
- ruled tables: rows in the project's one row convention (`header：value，header：value`,
  rag.ingest.tables), merged header cells carried to the columns below them, under a heading
  named by the caption printed above the table; a table going on at the top of the next page
  without its header keeps the header of the page before;
- tables without rules between their columns (a three-line table 三线表, or no rules at all):
  found by rag.ingest.pdf_unruled, on strong evidence only, and read as ruled ones are; else each
  row stays a line of its own, its cells a space apart. The printed lines themselves are
  rag.ingest.pdf_lines' records."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Sequence

from rag.ingest.clean import join_glue, one_line
from rag.ingest.pages import Printed, running_lines
from rag.ingest.pdf_lines import Cell, Line, looks_header, set_as_text
from rag.ingest.pdf_unruled import block_rows, rules, unruled_tables
from rag.ingest.tables import is_row, table_lines

_GUTTER = 6.0  # points: the narrowest blank strip between two columns
_SLACK = 2.0  # points: a box may reach this far into a gutter (the strip is found in whole points)
_SAME_LINE = 0.5  # of the font size: words whose tops are this close share a line
_CELL_GAP = 2.0  # font sizes of blank between two words of a line: they are cells, not words
_INDENT = 1.2  # font sizes in from the column's left edge: a paragraph's first line
_FIT = 0.5  # font sizes: what a line's end may fall short of its column's edge by, past the room it leaves
_GAP = 1.35  # times the usual line pitch: blank space above a line that opens a paragraph
_HEADING_SIZE = 1.12  # a heading is set at least this much larger than the body text
_HEADING_MAX = 40  # characters
_MARKED_MIN, _MARKED_SHARE = 3, 0.8  # paragraph openings seen, and the share of them marked
_CAPTION = re.compile(r"^(?:表|续表|附表|Table)\s*[\d一二三四五六七八九十]*")
_SENTENCE_END = "。！？!?；;…"
_MARK = re.compile(r"[\d*†‡①-⑳\[\]]{1,4}")  # a footnote's mark: 1, [2], *, †, ①
_MARK_SIZE = 0.8  # of the line's size: a mark is set smaller
_NOTE = re.compile(r"(?:\d{1,2}[.、)）]?|\[\d+\]|[①-⑳*†‡]|注)")  # how a footnote opens
# what a line may not be broken inside: a Latin word or a figure, or one character, with the
# opening marks before it, the punctuation after it that no line may begin with, and a quote
# mark after it with the character it opens (line breakers keep 展“网 together)
_UNIT = re.compile(
    r"[“‘「『（(《〈【]*(?:[A-Za-z0-9][A-Za-z0-9.,:%/+\-]*|.)(?:[”’」』）)》〉】，。、；：？！,.;:?!%…·]|[“‘].)*"
)


@dataclass
class PageLayout:
    """One page read from its layout, before headings are judged against the whole document."""

    lines: list[Line]


def read_page(page: Any, previous_header: list[str] | None = None) -> PageLayout:
    """The page's lines and tables in reading order. `previous_header`: the header row of a table
    that ended the page before, for a table going on at the top of this one."""
    tables = [(t, rows) for t in page.find_tables() if _is_table(rows := t.extract())]
    boxes = [t.bbox for t, _rows in tables]
    words = [
        w
        for w in page.extract_words(extra_attrs=["size"], keep_blank_chars=False, use_text_flow=False)
        if not any(_inside(w, box) for box in boxes)
    ]
    gutters = _gutters(words)
    lines = _lines(words, gutters)
    found = [(t.bbox, rows, _spanned(t)) for t, rows in tables]
    for block in unruled_tables(lines, rules(page), previous_header):
        found.append(block_rows(block, lines))
    for bbox, rows, spanned in sorted(found, key=lambda t: t[0][1]):
        lines.append(_table_line(bbox, rows, spanned, lines, previous_header, gutters))
        previous_header = lines[-1].header
    return PageLayout(_reading_order(lines))


def printed_lines(pages: Sequence[PageLayout]) -> list[list[Printed]]:
    """Every page's lines as rag.ingest.pages reads them, headings judged against the document's
    body size (the size most of its characters are set in)."""
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            if line.table is None:
                sizes[round(line.size, 1)] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    heading_sizes = sorted({round(l.size, 1) for p in pages for l in p.lines if _is_heading(l, body)}, reverse=True)
    running = running_lines([[l.text for l in page.lines if l.table is None] for page in pages])
    texts = [  # a heading that repeats the running header is the title, which rag.ingest.pages keeps
        [
            l
            for l, run in zip([l for l in page.lines if l.table is None], flags, strict=True)
            if not run or _is_heading(l, body)
        ]
        for page, flags in zip(pages, running, strict=True)
    ]
    firsts = [lines[0] if lines else None for lines in texts]
    printed = [
        _printed(page, body, heading_sizes, lines, following)
        for page, lines, following in zip(pages, texts, [*firsts[1:], None], strict=True)
    ]
    if _marks_openings(printed):
        printed = [[replace(line, marked=True) for line in page] for page in printed]
    return printed


def _marks_openings(pages: list[list[Printed]]) -> bool:
    """Whether the document shows where each paragraph opens (an indent, space above): nearly every
    line after a paragraph's short last line opens one. Then a line that does not open goes on
    with the line before, even where that one fills the width and ends a sentence (…责任人。 |
    选派了…), which text alone cannot tell from a paragraph's end."""
    starts = [
        line.opens
        for page in pages
        for before, line in zip(page, page[1:], strict=False)
        if before.full is False and not before.opens and _is_body(before) and _is_body(line)
    ]
    return len(starts) >= _MARKED_MIN and sum(starts) >= _MARKED_SHARE * len(starts)


def _is_body(line: Printed) -> bool:
    return not line.text.startswith("#") and not is_row(line.text)


def _is_table(rows: list[list[str | None]]) -> bool:
    return len(rows) >= 2 and max((len(r) for r in rows), default=0) >= 2


def _inside(word: dict, box: tuple[float, float, float, float]) -> bool:
    x, y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _gutters(words: list[dict]) -> list[tuple[float, float]]:
    """Blank vertical strips in the middle of the text block that no word crosses but the few of
    lines spanning the columns (a title), with text on both sides on many lines: where columns
    divide."""
    if len(words) < 8:
        return []
    left, right = min(w["x0"] for w in words), max(w["x1"] for w in words)
    span = int(right - left) + 1
    crossing = [0] * (span + 1)
    for w in words:
        for x in range(int(w["x0"] - left) + 1, int(w["x1"] - left)):
            crossing[x] += 1
    rows = {round(w["top"]) for w in words}
    allowed = max(1, len(rows) // 10)  # what spanning lines (titles, a wide caption) may cross
    gutters, start = [], None
    for x in range(span + 1):
        blank = crossing[x] <= allowed and 0.2 * span <= x <= 0.8 * span
        if blank and start is None:
            start = x
        elif not blank and start is not None:
            if x - start >= _GUTTER:
                gutters.append((left + start, left + x))
            start = None
    return [g for g in gutters if _columns_beside(words, g, max(3, len(rows) // 4))]


def _columns_beside(words: list[dict], gutter: tuple[float, float], need: int) -> bool:
    """Whether at least `need` printed rows stand on each side of the strip, over heights that
    overlap, and both sides are set as text: two columns side by side, not a short block above a
    wide one, nor the columns of a table drawn without rules."""
    left = [w for w in words if w["x1"] <= gutter[0] + 1]
    right = [w for w in words if w["x0"] >= gutter[1] - 1]
    tops = [{round(w["top"]) for w in side} for side in (left, right)]
    if min(len(t) for t in tops) < need:
        return False
    overlap = max(min(t) for t in tops) < min(max(t) for t in tops)
    return overlap and set_as_text(left) and set_as_text(right)


def _column(x0: float, x1: float, gutters: list[tuple[float, float]]) -> int:
    """The column a box stands in, counted from the left; -1 when it crosses a gutter's middle
    (column text keeps out of the gutter: what stands over its middle spans the columns, as a
    page number centred on the page does, however narrow)."""
    for g0, g1 in gutters:
        if x0 < (g0 + g1) / 2 - _SLACK and x1 > (g0 + g1) / 2 + _SLACK:
            return -1
    return sum(x0 >= (g0 + g1) / 2 for g0, g1 in gutters)


def _lines(words: list[dict], gutters: list[tuple[float, float]]) -> list[Line]:
    """Words grouped into printed rows, each row cut into lines where it crosses a gutter blank;
    a run of words that crosses a gutter unbroken (a title, a running header or page number
    centred on the page, whose words may stand either side of the middle) is one line."""
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) <= _SAME_LINE * word["size"]:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [_line(run, gutters) for row in rows for run in _runs(sorted(row, key=lambda w: w["x0"]), gutters)]


def _runs(row: list[dict], gutters: list[tuple[float, float]]) -> list[list[dict]]:
    """A row's words cut where the blank between two of them lies across a gutter."""
    runs = [[row[0]]]
    for left, word in zip(row, row[1:], strict=False):
        gap = word["x0"] - left["x1"]
        if gap >= _GUTTER and any(left["x1"] < g1 and word["x0"] > g0 for g0, g1 in gutters):
            runs.append([word])
        else:
            runs[-1].append(word)
    return runs


def _line(words: list[dict], gutters: list[tuple[float, float]]) -> Line:
    """One line of words. Words standing apart by a wide blank are cells (a table set without
    rules, a form's fields): kept apart by a space, Chinese or not, and the line is one of its
    own, never joined to the next as a paragraph's line."""
    size = statistics.median([w["size"] for w in words for _ in w["text"]])
    base = max(w["bottom"] for w in words)
    words = [w for k, w in enumerate(words) if k == 0 or not _note_mark(words[k - 1], w, size, base)]
    cells = [Cell(words[0]["x0"], words[0]["x1"], words[0]["text"])]
    for before, word in zip(words, words[1:], strict=False):
        if word["x0"] - before["x1"] >= _CELL_GAP * size:
            cells.append(Cell(word["x0"], word["x1"], word["text"]))
        else:
            last = cells[-1]
            cells[-1] = Cell(last.x0, word["x1"], last.text + _word_glue(last.text, word["text"]) + word["text"])
    x0, x1 = words[0]["x0"], max(w["x1"] for w in words)
    top, bottom = min(w["top"] for w in words), max(w["bottom"] for w in words)
    text = " ".join(c.text for c in cells)
    return Line(text, x0, x1, top, bottom, size, _column(x0, x1, gutters), cells=cells if len(cells) > 1 else [])


def _note_mark(before: dict, word: dict, size: float, base: float) -> bool:
    """A footnote's mark in the text (…推迟¹,): a figure or star set small and raised after a
    Chinese character. Read in, it would split the words around it; an exponent after a Latin
    letter (m²) is kept."""
    small = word["size"] <= _MARK_SIZE * size and word["bottom"] < base - 0.2 * size
    return small and bool(_MARK.fullmatch(word["text"])) and not before["text"][-1].isascii()


def _word_glue(left: str, right: str) -> str:
    """A space printed between two words of a line is kept beside a Latin letter or a digit (表1
    各村, Green Valley); between Chinese characters it is spacing, not a word break."""
    if left and right and (left[-1].isascii() and left[-1].isalnum() or right[0].isascii() and right[0].isalnum()):
        return " "
    return ""


def _table_line(
    bbox: tuple[float, float, float, float],
    cells: list[list[str | None]],
    spanned: set[tuple[int, int]],
    lines: list[Line],
    previous_header: list[str] | None,
    gutters: list[tuple[float, float]],
) -> Line:
    """A table as one block of row lines, its caption (the line printed just above it) taken
    from the text as the block's heading."""
    x0, top, x1, bottom = bbox
    # None is a slot a merged cell covers, filled from beside or above; "" an empty cell, no figure
    rows = [[one_line(c) if c else c for c in row] for row in cells]
    if previous_header and len(previous_header) == len(rows[0]) and not looks_header(rows[0]):
        caption, header, body = None, previous_header, _fill_down(rows, spanned)  # going on from the page before
    else:
        caption = _caption(lines, x0, x1, top)
        header, body = _header(rows, spanned)
    block = table_lines([header, *body])
    if caption is not None:
        lines.remove(caption)
        block = [f"\x00{caption.text}", *block]  # \x00 marks the caption: its heading level is set later
    return Line(
        caption.text if caption else "",
        x0,
        x1,
        caption.top if caption else top,
        bottom,
        0.0,
        _column(x0, x1, gutters),
        block,
        header,
    )


def _caption(lines: list[Line], x0: float, x1: float, top: float) -> Line | None:
    above = [l for l in lines if l.bottom <= top + 1 and l.x1 > x0 and l.x0 < x1 and top - l.bottom < 3 * l.size]
    if not above:
        return None
    line = max(above, key=lambda l: l.bottom)
    short = len(line.text) <= _HEADING_MAX and line.text[-1] not in _SENTENCE_END
    return line if _CAPTION.match(line.text) or short else None


def _header(rows: list[list[str | None]], spanned: set[tuple[int, int]]) -> tuple[list[str], list[list[str]]]:
    """The column names and the body rows. A header cell merged across columns (pdfplumber gives
    None for the columns it covers) names each of them; a second header row under merged cells
    is joined to the first column by column (2023年 over 产值 -> 2023年产值)."""
    header = _fill_right(rows[0])
    rest = rows[1:]
    if rest and any(c is None for c in rows[0]) and looks_header(rest[0]):
        below = _fill_right(rest[0])
        header = [a if a == b or not b else b if not a else f"{a}{b}" for a, b in zip(header, below, strict=False)]
        rest = rest[1:]
    return header, _fill_down(rest, spanned, len(rows) - len(rest))


def _fill_right(row: Sequence[str | None]) -> list[str]:
    out: list[str] = []
    for cell in row:
        out.append(cell if cell is not None else (out[-1] if out else ""))
    return out


def _fill_down(rows: list[list[str | None]], spanned: set[tuple[int, int]], first: int = 0) -> list[list[str]]:
    """Body rows with a merged cell's text in each slot it covers (pdfplumber gives None there):
    the text beside it where the cell spans columns (`spanned`, counting rows from `first`: 合计
    over 乡镇 and 项目), else the text above it (a cell merged down the rows)."""
    out: list[list[str]] = []
    for i, row in enumerate(rows, first):
        above = out[-1] if out else []
        filled: list[str] = []
        for j, cell in enumerate(row):
            if cell is None:
                cell = filled[-1] if (i, j) in spanned and filled else above[j] if j < len(above) else ""
            filled.append(cell)
        out.append(filled)
    return out


def _spanned(table: Any) -> set[tuple[int, int]]:
    """The (row, column) slots covered by a cell merged across columns: the cell's box, to their
    left, reaches over where the column begins. pdfplumber gives None for these as for slots
    covered from above."""
    rows = [row.cells for row in table.rows]
    starts: dict[int, float] = {}
    for cells in rows:
        for j, box in enumerate(cells):
            if box is not None:
                starts[j] = min(starts.get(j, box[0]), box[0])
    out = set()
    for i, cells in enumerate(rows):
        for j, box in enumerate(cells):
            left = next((cells[k] for k in range(j - 1, -1, -1) if cells[k] is not None), None)
            if box is None and left is not None and j in starts and left[2] > starts[j] + 1:
                out.add((i, j))
    return out


def _reading_order(lines: list[Line]) -> list[Line]:
    """Top to bottom in bands: what crosses the columns (column -1, wide tables) stands alone;
    between two such, each column is read whole, the left one first."""
    wide = sorted((l for l in lines if l.column < 0), key=lambda l: l.top)
    narrow = [l for l in lines if l.column >= 0]
    if not wide and len({l.column for l in narrow}) <= 1:
        return sorted(lines, key=lambda l: (l.top, l.x0))
    out: list[Line] = []
    edge = float("-inf")
    for stop in [*wide, None]:
        limit = stop.top if stop else float("inf")
        band = [l for l in narrow if edge <= l.top < limit]
        out += sorted(band, key=lambda l: (l.column, l.top, l.x0))
        if stop:
            out.append(stop)
            edge = stop.top
    return out


def _is_heading(line: Line, body: float) -> bool:
    return (
        line.table is None
        and line.size >= _HEADING_SIZE * body
        and len(line.text) <= _HEADING_MAX
        and line.text[-1] not in "，,、；;"
    )


def _printed(
    page: PageLayout, body: float, heading_sizes: list[float], text: list[Line], following: Line | None
) -> list[Printed]:
    """The page's lines with their paragraph marks; headings as markdown lines. `text`: its text
    lines but the running ones (a running header is judged by no line, nor a line by it);
    `following`: the next page's first such line."""
    pitch = _pitch(page.lines, body)
    bounds = _column_bounds(page.lines)
    caption_level = min(max(len(heading_sizes) + 1, 2), 6)  # a caption is never the title (#)
    out: list[Printed] = []
    previous: Line | None = None
    after = dict(zip(map(id, text), [*text[1:], following], strict=False))  # none when text is []
    notes = _footnotes(text, body)
    for line in page.lines:
        if line.table is None and id(line) not in after:
            out.append(Printed(line.text, False, True))  # a running line, which rag.ingest.pages takes off
            continue
        if id(line) in notes:
            out.append(Printed(line.text, False, True, note=True))
            continue
        if line.table is not None:
            out += [
                Printed(f"{'#' * caption_level} {t[1:]}" if t.startswith("\x00") else t, False, True)
                for t in line.table
            ]
            previous = None
            continue
        if _is_heading(line, body):
            level = heading_sizes.index(round(line.size, 1)) + 1
            if (
                out
                and previous is not None
                and _is_heading(previous, body)
                and abs(previous.size - line.size) < 0.5
                and out[-1].text.startswith("#")
            ):
                out[-1] = Printed(out[-1].text + join_glue(out[-1].text, line.text) + line.text, False, True)
            else:
                out.append(Printed(f"{'#' * level} {line.text}", False, True))
            previous = line
            continue
        left, right = bounds[line.column]
        # the first line of a page opens a paragraph only by its indent: it may go on with the
        # paragraph the page before ended in (rag.ingest.pages joins them)
        opens = line.x0 - left >= _INDENT * line.size or (
            previous is not None and (abs(previous.size - line.size) > 0.5 or line.top - previous.top > _GAP * pitch)
        )
        full = not line.cells and _reaches(line, right, after[id(line)])
        out.append(Printed(line.text, full=full, opens=opens or bool(line.cells)))
        previous = line
    return out


def _footnotes(text: list[Line], body: float) -> set[int]:
    """The page's footnotes (as ids): the lines below all its body text, set smaller, the first
    opening with a note's mark (1. ① * 注)."""
    bottom = max((l.bottom for l in text if abs(l.size - body) < 0.5), default=None)
    below = [l for l in text if bottom is not None and l.top >= bottom and l.size < body - 0.5]
    return {id(l) for l in below} if below and _NOTE.match(below[0].text) else set()


def _reaches(line: Line, right: float, following: Line | None) -> bool:
    """Whether a line reaches its column's right edge: what the next line begins with (at least
    a character) would not have fitted after it. Type set ragged right breaks a line short by a
    figure, a Latin word or a character held to the punctuation after it (…贫困户 | 19344户，…,
    …18442人越 | 线”的…): short by that, the line is still full."""
    unit = _UNIT.match(following.text) if following is not None else None
    room = max(_width(unit[0], following.size) if unit and following else 0.0, line.size)
    return line.x1 + room >= right - _FIT * line.size


def _width(text: str, size: float) -> float:
    """Printed width, roughly: Chinese characters and full-width marks are square, Latin narrower."""
    return sum(0.55 if c.isascii() else 1.0 for c in text) * size


def _pitch(lines: list[Line], body: float) -> float:
    """The usual distance from one body line's top to the next's."""
    steps = [
        b.top - a.top
        for a, b in zip(lines, lines[1:], strict=False)
        if a.column == b.column and a.table is None and b.table is None and 0 < b.top - a.top < 3 * body
    ]
    return statistics.median(steps) if steps else 1.5 * body


def _column_bounds(lines: list[Line]) -> dict[int, tuple[float, float]]:
    """Each column's left and right edges, where most of its text lines start and end: a line
    poking into the gutter (a wide punctuation mark, a figure) does not move the edge."""
    edges: dict[int, tuple[list[float], list[float]]] = {}
    for line in lines:
        if line.table is None:
            lefts, rights = edges.setdefault(line.column, ([], []))
            lefts.append(line.x0)
            rights.append(line.x1)
    return {col: (_quantile(lefts, 0.2), _quantile(rights, 0.8)) for col, (lefts, rights) in edges.items()}


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
