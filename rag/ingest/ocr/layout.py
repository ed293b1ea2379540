"""Recognised text boxes -> the printed lines of a page in reading order: boxes grouped into
lines (top to bottom, left to right within a line), each line marked as reaching the right
margin or opening a paragraph, so that rag.ingest.pages joins them as it joins a text layer's.

A line opens a paragraph when it is indented (Chinese paragraphs open two characters in) or has
more blank space above it than the usual line spacing; a line stopping well short of the right
margin ends one. Multi-column pages are read as one column.
"""

from __future__ import annotations

import re
import statistics
from typing import Sequence

from rag.ingest.clean import join_glue
from rag.ingest.ocr import TextBox
from rag.ingest.pages import Printed

_SAME_LINE = 0.5  # boxes whose vertical overlap is at least this share of the smaller height
_INDENT = 0.8  # box heights in from the left margin: a box is about one character high
_SHORT = 2.0  # box heights short of the right margin
_GAP = 0.9  # box heights of blank space between two lines


def printed_lines(boxes: Sequence[TextBox]) -> list[Printed]:
    """The page's lines in reading order ([] when there is no text)."""
    lines = _lines([b for b in boxes if b.text.strip()])
    if not lines:
        return []
    height = statistics.median(_height(line) for line in lines) or 1.0
    left = min(line[0].left for line in lines)
    right = max(line[-1].right for line in lines)
    out = []
    for k, line in enumerate(lines):
        gap = k > 0 and min(b.top for b in line) - max(b.bottom for b in lines[k - 1]) > _GAP * height
        out.append(
            Printed(
                _line_text(line),
                full=line[-1].right >= right - _SHORT * height,
                opens=gap or line[0].left - left > _INDENT * height,
            )
        )
    return out


def _lines(boxes: list[TextBox]) -> list[list[TextBox]]:
    """Boxes grouped into printed lines, lines from the top, boxes from the left."""
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        line = lines[-1] if lines else None
        if line and _overlap(line, box) >= _SAME_LINE * min(box.height, _height(line)):
            line.append(box)
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.left) for line in lines]


def _overlap(line: list[TextBox], box: TextBox) -> float:
    return min(box.bottom, max(b.bottom for b in line)) - max(box.top, min(b.top for b in line))


def _height(line: list[TextBox]) -> float:
    return max(b.bottom for b in line) - min(b.top for b in line)


def _line_text(line: list[TextBox]) -> str:
    text = ""
    for box in line:
        piece = box.text.strip()
        text += join_glue(text, piece) + piece
    return mend(text)


# PP-OCR reads 万 after a figure as the similar 方 (500方元, 4.7方份 in our scans). 方 is itself a
# unit (10万方 of earth), so it is mended only where another unit follows it, which 方 never has.
_WAN_AS_FANG = re.compile(r"(?<=\d)方(?=[元份人户个名亩吨台辆次件所座家项条册套间株头只])")


def mend(text: str) -> str:
    """A recognised line with the recogniser's known slips put right."""
    return _WAN_AS_FANG.sub("万", text)
