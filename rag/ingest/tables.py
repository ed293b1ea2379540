"""Tables -> lines a reader and a retriever can use: each row one line of `header：value` pairs,
so that a figure stays beside its name in whatever chunk it lands in. Spreadsheets (.xlsx, one
section per sheet) and .csv files (any common Chinese encoding) are read here; Word tables and
slide tables use the same row convention.

A sheet is read in openpyxl's read-only mode up to its real data: trailing empty cells are not
kept, and reading stops after EMPTY_ROWS_STOP empty rows in a row, so a sheet whose stated
extent is a million empty cells costs what its data costs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any, Iterable, Sequence

from rag.errors import LoadError
from rag.ingest.archive import check_archive, not_readable
from rag.ingest.clean import one_line
from rag.ingest.encoding import decode_text
from rag.ingest.extracted import Extracted, Reading

EMPTY_ROWS_STOP = 1000
PAIR, SEPARATOR = "：", "，"


_PAIR = re.compile(r"(?:^|，)[^：，。！？；\n]{1,24}：")  # a `header：` opening the line or after a pair's ，


def is_row(paragraph: str) -> bool:
    """A line in the row convention (`header：value，header：value`), as table_lines writes them:
    it opens with a header and holds two pairs at least. Its cells may hold whole sentences (an
    FAQ's answer), so the chunker keeps such a line whole."""
    return "\n" not in paragraph and len(_PAIR.findall(paragraph)) >= 2 and bool(_PAIR.match(paragraph))


def table_lines(rows: Iterable[Sequence[str]]) -> list[str]:
    """One line per row with something in it. The header is the first row with two or more
    filled cells; rows above it (a caption) are kept as they are; a table that is only a header
    row is one line joined with " | "."""
    lines: list[str] = []
    header: list[str] | None = None
    body = 0
    for row in rows:
        cells = [c.strip() for c in row]
        filled = [c for c in cells if c]
        if not filled:
            continue
        if header is None and len(filled) >= 2:
            header = cells
        elif header is None:
            lines.append(filled[0])
        else:
            lines.append(_pairs(header, cells))
            body += 1
    if header is not None and not body:
        lines.append(" | ".join(c for c in header if c))  # a table that is only a header row
    return lines


def _pairs(header: list[str], cells: list[str]) -> str:
    pairs: list[str] = []
    for n, value in enumerate(cells):
        name = header[n] if n < len(header) and header[n] else f"第{n + 1}列"
        pair = f"{name}{PAIR}{value}"
        if value and (not pairs or pairs[-1] != pair):  # merged cells repeat their text
            pairs.append(pair)
    return SEPARATOR.join(pairs)


# --- spreadsheets ---------------------------------------------------------------------------------
_DEFAULT_SHEET = re.compile(r"(?i)(?:sheet|工作表|表)\s*\d*")  # the names a spreadsheet program gives


def read_xlsx(data: bytes, reading: Reading) -> Extracted:
    from openpyxl import load_workbook

    check_archive(data, reading.config)  # before any XML is parsed
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = [(sheet.title, table_lines(_sheet_rows(sheet, reading))) for sheet in book.worksheets]
            title = book.properties.title or ""
        finally:
            book.close()
    except LoadError:
        raise
    except Exception as exc:  # openpyxl/zipfile/lxml errors on damaged input; none may stop the run
        raise not_readable("XLSX", exc) from None
    filled = [(name, lines) for name, lines in sheets if lines]
    if len(filled) == 1 and _DEFAULT_SHEET.fullmatch(filled[0][0].strip()):  # Sheet1 names nothing
        return Extracted("\n".join(filled[0][1]), title.strip() or reading.stem, dated=False)
    # a lone first `#` line is read as the document's title, so one named sheet is set a level down
    mark = "#" if len(filled) > 1 else "##"
    parts = [f"{mark} {name}\n" + "\n".join(lines) for name, lines in filled]
    return Extracted("\n".join(parts), title.strip() or reading.stem, dated=False)


def _sheet_rows(sheet, reading: Reading) -> Iterable[list[str]]:
    sheet.reset_dimensions()  # the stated extent may be a million empty cells; read what is there
    empty = 0
    for number, row in enumerate(sheet.iter_rows(), 1):
        cells = [_cell_text(cell) for cell in row]
        while cells and not cells[-1]:
            cells.pop()
        empty = 0 if cells else empty + 1
        if empty >= EMPTY_ROWS_STOP:
            reading.warn(
                f"{reading.name}: sheet {sheet.title}: stopped reading at row {number}, "
                f"after {EMPTY_ROWS_STOP} empty rows"
            )
            return
        yield cells


def _cell_text(cell: Any) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M" if value.time() != dt.time() else "%Y-%m-%d")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return _number(value, getattr(cell, "number_format", "") or "")
    return one_line(str(value))


def _number(value: float, number_format: str) -> str:
    """As the sheet shows it where that matters for reading: 0.0059 formatted 0.00% is 0.59%."""
    if "%" in number_format:
        return f"{value * 100:.10g}%"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}" if isinstance(value, float) else str(value)


# --- CSV ------------------------------------------------------------------------------------------
def read_csv(data: bytes, reading: Reading) -> Extracted:
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text), dialect)
    try:
        return Extracted("\n".join(table_lines(rows)), reading.stem, dated=False)
    except csv.Error as exc:
        raise LoadError(f"not a readable CSV ({exc})") from None
