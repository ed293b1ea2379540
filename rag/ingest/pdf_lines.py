"""The printed lines a PDF page is read into (rag.ingest.pdf_layout), and what the finder of
tables set without rules (rag.ingest.pdf_unruled) judges them by."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Sequence

NUMBER = re.compile(r"^[\d,.%\s\-+~～－—]*$")
FILLED = 0.6  # of a column's width: what most of its rows print across


@dataclass(frozen=True)
class Cell:
    """Words of one printed row standing together, a wide blank from the next (a table's cell)."""

    x0: float
    x1: float
    text: str


@dataclass
class Line:
    """One printed line of a column (or a table, in place of its rows), with its box and size."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    column: int = 0  # -1: crosses the gutter
    table: list[str] | None = None  # a table's row lines, in place of text
    header: list[str] = field(default_factory=list)  # a table's column names
    cells: list[Cell] = field(default_factory=list)  # words standing apart by wide blanks: a row of cells


def set_as_text(words: list[dict]) -> bool:
    """Whether most of a block's rows fill its width with print: the lines of a column of text
    do (words and the spaces between them), a table's rows, short cells with blanks between
    them or under a wide column name, do not."""
    left, right = min(w["x0"] for w in words), max(w["x1"] for w in words)
    rows: dict[int, float] = {}
    for w in words:
        rows[round(w["top"])] = rows.get(round(w["top"]), 0.0) + w["x1"] - w["x0"]
    return statistics.median(rows.values()) >= FILLED * (right - left)


def looks_header(row: Sequence[str | None]) -> bool:
    """A row of names, not figures: no filled cell is a number."""
    cells = [c for c in row if c]
    return bool(cells) and not any(NUMBER.match(c) for c in cells)
