"""Tables set without rules between their columns (a three-line table 三线表, or no rules at
all), found from the layout of a page's printed lines: consecutive rows whose cells (words a
wide blank apart) keep to the same columns. Only on strong evidence, a false table being worse
than none (`_table_block`): rows that do not fill their width as text does, a header of short
names, and a rule setting the header apart or a column of figures. pdfplumber's text strategy
is not used: it takes whole pages of prose, and text columns, for tables. A table found is
handed back as a ruled one's cells, to be read the same way (rag.ingest.pdf_layout)."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from rag.ingest.clean import join_glue
from rag.ingest.pdf_lines import NUMBER, Cell, Line, looks_header, set_as_text

_ROW_GAP = 2.0  # font sizes of blank between two rows of one table, at most
_MIN_ROWS, _MIN_ROWS_BARE = 3, 5  # rows (header and body) of a table with a rule under its header; with none
_HEADER_ROWS = 3  # printed rows one header may take, at most
_FIGURES = 0.6  # of a table's rows: a column of figures has one in this many
_TIGHT = 0.8  # of the table's usual row pitch: the lines of one header cell stand closer
_WRAP_MIN = 6  # characters: a cell's line that wraps, at least
_WRAP_SLACK = 1.5  # font sizes: what a wrapped line may fall short of its column's width by
_NAME_MAX = 20  # characters: a column name is short
_PAIRED = re.compile(r"[：:]")  # 单位：XXX is a form's field with its value, not a column's name


@dataclass
class _Block:
    """A run of printed rows whose cells stand in the same columns, and how many of the rows
    are its header (0: a table going on from the page before)."""

    rows: list[Line]
    slots: list[tuple[float, float]]
    header: int


def rules(page: Any) -> list[tuple[float, float, float]]:
    """The page's horizontal rules as (y, x0, x1), pieces drawn one a cell joined into one."""
    out: list[tuple[float, float, float]] = []
    for y, x0, x1 in sorted((e["top"], e["x0"], e["x1"]) for e in page.horizontal_edges):
        if out and abs(out[-1][0] - y) <= 1 and x0 <= out[-1][2] + 1:
            out[-1] = (out[-1][0], out[-1][1], max(out[-1][2], x1))
        else:
            out.append((y, x0, x1))
    return out


def unruled_tables(
    lines: list[Line], rules: list[tuple[float, float, float]], previous_header: list[str] | None
) -> list[_Block]:
    """Tables set without rules between their columns (a three-line table, or no rules at all):
    runs of consecutive rows, each column by column, that pass `_table_block`. A run opens at a
    row of cells and takes in the rows under it while their cells keep to its columns."""
    blocks: list[_Block] = []
    run: list[Line] = []
    for line in sorted(lines, key=lambda l: (l.column, l.top, l.x0)):
        if run and line.column == run[-1].column and _extends(run, line):
            run.append(line)
            continue
        blocks += _table_block(run, lines, rules, previous_header)
        run = [line] if line.cells else []
    return blocks + _table_block(run, lines, rules, previous_header)


def _extends(run: list[Line], line: Line) -> bool:
    """Whether a row goes on with a run of table rows: close under it, its cells keeping to the
    run's columns (no cell reaching across the blank between two, as a paragraph's line does)."""
    return line.top - run[-1].bottom <= _ROW_GAP * line.size and _slots([*run, line]) is not None


def _cells(line: Line) -> list[Cell]:
    return line.cells or [Cell(line.x0, line.x1, line.text)]


def _slots(rows: list[Line]) -> list[tuple[float, float]] | None:
    """The columns of a run of rows: the spans their cells cover, the blanks between them the
    blanks between columns (cells aligned left, right or centred under their column's name
    overlap it). None when two cells of one row fall in one column, or there is one column."""
    spans: list[tuple[float, float]] = []
    for cell in sorted((c for row in rows for c in _cells(row)), key=lambda c: c.x0):
        if spans and cell.x0 <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], cell.x1))
        else:
            spans.append((cell.x0, cell.x1))
    if len(spans) < 2:
        return None
    for row in rows:
        taken = [_slot(spans, c) for c in _cells(row)]
        if len(set(taken)) < len(taken):
            return None
    return spans


def _slot(slots: list[tuple[float, float]], cell: Cell) -> int:
    return next(k for k, (x0, x1) in enumerate(slots) if x0 <= cell.x0 and cell.x1 <= x1)


def _table_block(
    run: list[Line], lines: list[Line], rules: list[tuple[float, float, float]], previous_header: list[str] | None
) -> list[_Block]:
    """The run as a table, when the evidence is strong: a false table is worse than none. Rows
    of cells at both ends, whose print does not fill the run's width as a text column's lines
    do; at least _MIN_ROWS rows with a rule across them under the header, _MIN_ROWS_BARE with
    none; a rule setting the header apart from the body (a three-line table's), or else a
    column of figures (which terms each with its meaning, or a form's fields, have not); a
    header of short column names (no figures, no `名称：值`), or, at the top of a page, as many
    columns as the table the page before ended with."""
    while run and not run[-1].cells:
        run = run[:-1]
    slots = _slots(run) if len(run) >= _MIN_ROWS else None
    if slots is None or set_as_text([{"x0": c.x0, "x1": c.x1, "top": r.top} for r in run for c in _cells(r)]):
        return []
    across = [y for y, x0, x1 in rules if x0 <= slots[0][0] + run[0].size and x1 >= slots[-1][1] - run[0].size]
    header = _ruled_header(run, across)
    if len(run) < (_MIN_ROWS if header else _MIN_ROWS_BARE):
        return []
    body = list(zip(run[header:], run[header + 1 :], strict=False))
    apart = header and sum(_rule_between(a, b, across) for a, b in body) * 2 < len(body)  # not a rule a row
    if not apart and not _has_figures(run, slots):
        return []
    header = header or _header_rows(run, len(slots))
    if all(_is_name(c.text) for k in range(header) for c in _cells(run[k])):
        return [_Block(run, slots, header)]
    top_of_page = sum(l.bottom <= run[0].top and l.column == run[0].column for l in lines) <= 2  # a running header
    if previous_header and len(previous_header) == len(slots) and top_of_page:
        return [_Block(run, slots, 0)]
    return []


def _ruled_header(run: list[Line], rules: list[float]) -> int:
    """The rows above a rule drawn across the run under its first row or few (a three-line
    table's rule under its header); 0 where there is none."""
    for k in range(1, min(_HEADER_ROWS, len(run) - 2) + 1):
        if _rule_between(run[k - 1], run[k], rules):
            return k
    return 0


def _rule_between(above: Line, below: Line, rules: list[float]) -> bool:
    return any(above.bottom - 1 <= y <= below.top + 1 for y in rules)


def _has_figures(run: list[Line], slots: list[tuple[float, float]]) -> bool:
    """Whether a column holds figures in most of the rows, as a table of data does."""
    counts = Counter(_slot(slots, c) for row in run for c in _cells(row) if NUMBER.match(c.text))
    return any(n >= _FIGURES * len(run) for n in counts.values())


def _header_rows(run: list[Line], columns: int) -> int:
    """How many rows a header drawn without a rule under it takes: the first, and the rows of
    names under it that fill fewer columns and stand closer than rows do (a name on two lines:
    户数 over （户）, or a name centred beside those); a row label under the header (种植业)
    stands a row's pitch away."""
    pitch = statistics.median(b.top - a.top for a, b in zip(run, run[1:], strict=False))
    k = 1
    while (
        k < _HEADER_ROWS
        and len(_cells(run[k])) < columns
        and looks_header([c.text for c in _cells(run[k])])
        and run[k].top - run[k - 1].top < _TIGHT * pitch
    ):
        k += 1
    return k


def _is_name(text: str) -> bool:
    return len(text) <= _NAME_MAX and looks_header([text]) and not _PAIRED.search(text)


def block_rows(
    block: _Block, lines: list[Line]
) -> tuple[tuple[float, float, float, float], list[list[str | None]], set[tuple[int, int]]]:
    """The block taken out of the page's lines, as a table's box and cell rows: the header's
    printed rows joined column by column into one, the body's grouped into the table's rows;
    an empty slot None in the first column (a name the rows under it share, as a cell merged
    down) and empty elsewhere (no figure there)."""
    for row in block.rows:
        lines.remove(row)
    grid: list[list[str | None]] = [
        _in_slots({_slot(block.slots, c): c for c in _cells(r)}, block.slots) for r in block.rows[: block.header]
    ]
    grid += [_in_slots(row, block.slots) for row in _table_rows(block.rows[block.header :], block.slots)]
    if block.header:
        names = ["" for _ in block.slots]
        for named in grid[: block.header]:
            names = [a + join_glue(a, b or "") + (b or "") for a, b in zip(names, named, strict=True)]
        grid = [[*names], *grid[block.header :]]
    first, last = block.rows[0], block.rows[-1]
    bbox = (min(r.x0 for r in block.rows), first.top, max(r.x1 for r in block.rows), last.bottom)
    return bbox, grid, set()


def _in_slots(row: dict[int, Cell], slots: list[tuple[float, float]]) -> list[str | None]:
    return [row[k].text if k in row else None if k == 0 else "" for k in range(len(slots))]


def _table_rows(printed: list[Line], slots: list[tuple[float, float]]) -> list[dict[int, Cell]]:
    """Printed rows as the table's rows, their cells by column: a printed row that goes on with
    the one above (`_goes_on`) is part of its row, its text added under the cell in its column."""
    out: list[dict[int, Cell]] = []
    for line in printed:
        cells = {_slot(slots, c): c for c in _cells(line)}
        if not out or not _goes_on(out[-1], cells, slots, line.size):
            out.append(cells)
            continue
        for k, cell in cells.items():
            above = out[-1].get(k)
            text = cell.text if above is None else above.text + join_glue(above.text, cell.text) + cell.text
            out[-1][k] = Cell(cell.x0, cell.x1, text)  # the box of its last line: does that one wrap?
    return out


def _goes_on(row: dict[int, Cell], cells: dict[int, Cell], slots: list[tuple[float, float]], size: float) -> bool:
    """Whether a printed row is part of the table row above it: no new name in the first column
    (a row of its own opens with one), figures on one of the two at most (a row of data has
    them), and each of its cells either in a column the row above leaves empty (cells centred
    beside a wrapped one, or a name centred on two rows) or going on with a line of words that
    fills its column (text wrapped in the cell: …种植和林 | 下养鸡…)."""
    if 0 in row and 0 in cells:
        return False
    if _has_figure(row) and _has_figure(cells):
        return False
    return all(k not in row or _wraps(row[k], cell, slots[k], size) for k, cell in cells.items())


def _has_figure(cells: dict[int, Cell]) -> bool:
    return any(NUMBER.match(c.text) for c in cells.values())


def _wraps(line: Cell, after: Cell, slot: tuple[float, float], size: float) -> bool:
    """A cell's line of words (not a figure: figures do not wrap) reaching across its column,
    at least _WRAP_MIN characters wide (short names of equal length fill a narrow column
    too), and words under it."""
    words = not NUMBER.match(line.text) and not NUMBER.match(after.text)
    return words and len(line.text) >= _WRAP_MIN and line.x1 - line.x0 >= slot[1] - slot[0] - _WRAP_SLACK * size
