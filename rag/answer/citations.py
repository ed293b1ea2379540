"""THE citation grammar: the [n] markers of an answer, in the forms small models actually write,
parsed back into passage numbers, stripped, rendered and placed. The answer stage, the UI and
the evaluation all read markers through this module."""

from __future__ import annotations

import re
from typing import Iterator, Sequence

# [1] [1,2] [1, 3-4] 【2】 [资料1]: the forms small models actually write
CITATION = re.compile(
    r"[\[【]\s*(?:资料|段落|来源|文档|passage|source)?\s*"
    r"(\d{1,3}(?:\s*(?:[,，、;；]|[-–~])\s*(?:资料|段落)?\s*\d{1,3})*)\s*[\]】]",
    re.I,
)
_RANGE = re.compile(r"(\d+)\s*[-–~]\s*(\d+)")


def citation_numbers(marker_body: str) -> list[int]:
    """'1, 3-4' -> [1, 3, 4]."""
    numbers: list[int] = []
    for part in re.split(r"\s*[,，、;；]\s*", marker_body):
        part = re.sub(r"(资料|段落)", "", part)
        if match := _RANGE.fullmatch(part.strip()):
            low, high = int(match[1]), int(match[2])
            numbers.extend(range(low, high + 1) if 0 < high - low < 10 else (low, high))
        elif part.strip().isdigit():
            numbers.append(int(part))
    return numbers


def find_markers(text: str) -> Iterator[tuple[int, int, list[int]]]:
    """(start, end, passage numbers) of each marker in the text, in order."""
    for match in CITATION.finditer(text):
        yield match.start(), match.end(), citation_numbers(match[1])


def parse_citations(text: str, k: int) -> tuple[list[int], list[int]]:
    """(valid numbers in order of first use, dropped out-of-range numbers) for passages 1..k."""
    valid: list[int] = []
    dropped: list[int] = []
    for match in CITATION.finditer(text):
        for n in citation_numbers(match[1]):
            target = valid if 1 <= n <= k else dropped
            if n not in target:
                target.append(n)
    return valid, dropped


def strip_citations(text: str) -> str:
    return CITATION.sub("", text)


def render_citations(numbers: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def attach_citations(body: str, cites: Sequence[int]) -> str:
    """Markers go before the closing punctuation: 降至0.59%[1]。"""
    match = re.search(r"[。！？!?.;；…]+[”’」』\"]?$", body)
    end = match.start() if match else len(body)
    return body[:end].rstrip() + render_citations(cites) + body[end:]
