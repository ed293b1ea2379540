"""Approved answers: a table of questions and answers (a `.csv`/`.xlsx` with 问题/答案 columns, or
question/answer; the loader writes each row as `问题：…，答案：…`, the project's one row
convention) is a list of FAQ entries. A question close enough to an entry's question, in meaning
(the retrieval embedder's cosine) and in words (coverage of the question's terms), gets the
entry's answer word for word, cited to its row, without the model. A near miss goes the normal
way, the entry being one passage among the others.

The two floors are settings (faq_min_closeness, faq_min_coverage), calibrated on paraphrases and
near misses of a held-out FAQ (eval/notes/faq.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from rag.text.normalize import compact
from rag.text.terms import coverage, query_terms
from rag.types import Hit

Closeness = Callable[[str, Sequence[str]], Sequence[float]]
_ROW = re.compile(
    r"^(?:问题|問題|提问|question|q)\s*[:：]\s*(?P<q>.+?)\s*[，,]\s*"
    r"(?:答案|答复|答覆|回答|answer|a)\s*[:：]\s*(?P<a>.+?)[ \t]*$",
    re.I | re.M,
)
SEARCHED = 3  # entries are looked for in the first passages only: a match ranks at the top


@dataclass(frozen=True)
class Entry:
    n: int  # passage number: hits[n - 1] holds the row
    span: tuple[int, int]  # the row within that passage's text
    question: str
    answer: str


@dataclass(frozen=True)
class Match:
    entry: Entry
    closeness: float
    coverage: float


def entries(hits: Sequence[Hit], whole: int = 10**9) -> list[Entry]:
    """The FAQ rows in the first SEARCHED passages. Only rows of at most `whole` characters are
    entries: the chunker keeps a row that fits in a chunk whole (rag.ingest.chunk), while a longer
    one may be cut, and a cut answer must never be given as the approved one."""
    return [
        Entry(n, m.span(), m["q"], m["a"])
        for n, hit in enumerate(hits[:SEARCHED], start=1)
        for m in _ROW.finditer(hit.chunk.text)
        if m.end() - m.start() <= whole
    ]


def best_match(query: str, hits: Sequence[Hit], closeness: Closeness, whole: int = 10**9) -> Match | None:
    """The entry whose question is closest in meaning to `query`, with its closeness and word
    coverage (None without entries; `whole` as entries() takes it)."""
    found = entries(hits, whole)
    if not found:
        return None
    cosines = closeness(query, [e.question for e in found])
    terms = query_terms(query)
    best = max(range(len(found)), key=lambda i: cosines[i])
    return Match(found[best], float(cosines[best]), coverage(terms, compact(found[best].question)) if terms else 0.0)


def approved(
    query: str, hits: Sequence[Hit], closeness: Closeness | None, min_closeness: float, min_coverage: float, whole: int
) -> Match | None:
    """The entry whose approved answer answers `query`, when one is close enough on both counts
    (rows of at most `whole` characters, the chunk size: see entries())."""
    if closeness is None:
        return None
    match = best_match(query, hits, closeness, whole)
    if match and match.closeness >= min_closeness and match.coverage >= min_coverage:
        return match
    return None
