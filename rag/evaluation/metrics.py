"""Pure metric functions. Every comparison of text goes through rag.text.normalize.compact, so an answer
written in the other script, with full-width digits or with spaces still counts."""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from rag.answer import citations
from rag.text.normalize import compact


def strip_citations(text: str) -> str:
    """Drop [1] / [1, 2] markers: they are pointers to passages, not part of the answer."""
    return citations.strip_citations(text or "")


# quotes, brackets and the marks between clauses or list items carry no answer content (an answer
# 2003年系列 holds the gold 「2003年系列」); the marks inside numbers and codes (. % - /) do:
# without them 5.6万 would contain 56万
_SEPARATOR_MARKS = frozenset(",，、;；:：。!！?？·'\"")
_QUOTE_CATEGORIES = frozenset({"Ps", "Pe", "Pi", "Pf"})


def _matchable(text: str) -> str:
    return "".join(
        c
        for c in compact(strip_citations(text))
        if c not in _SEPARATOR_MARKS and unicodedata.category(c) not in _QUOTE_CATEGORIES
    )


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """True when the normalised text contains any normalised acceptable answer, quotes and
    separating marks aside."""
    haystack = _matchable(text)
    return any(wanted in haystack for wanted in map(_matchable, answers) if wanted)


def is_correct(answer: str, refused: bool, answers: Sequence[str]) -> bool:
    """A refusal is right exactly when the collection holds no answer; otherwise the answer
    must contain an acceptable string."""
    if not answers:
        return refused
    return not refused and contains_answer(answer, answers)


def first_rank(flags: Iterable[bool]) -> int | None:
    """1-based position of the first True, None if there is none."""
    return next((i for i, flag in enumerate(flags, start=1) if flag), None)


def hit_at(ranks: Sequence[int | None], k: int) -> float | None:
    """Share of questions whose first relevant passage ranks within the first k."""
    if not ranks:
        return None
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr_at(ranks: Sequence[int | None], k: int = 10) -> float | None:
    if not ranks:
        return None
    return sum(1.0 / r for r in ranks if r is not None and r <= k) / len(ranks)


def _scoring_chars(text: str) -> list[str]:
    # Chinese is scored by characters, not by spaces; punctuation carries no answer content.
    return [c for c in compact(strip_citations(text)) if not unicodedata.category(c).startswith("P")]


def char_f1(prediction: str, references: Sequence[str]) -> float:
    """Bag-of-characters F1 of the prediction against the best matching reference."""
    predicted = Counter(_scoring_chars(prediction))
    best = 0.0
    for reference in references:
        wanted = Counter(_scoring_chars(reference))
        overlap = sum((predicted & wanted).values())
        if overlap:
            precision, recall = overlap / sum(predicted.values()), overlap / sum(wanted.values())
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def refusal_precision(refused: Sequence[bool], unanswerable: Sequence[bool]) -> float | None:
    """Of the refusals, the share that met a question the collection does not answer."""
    hits = [u for r, u in zip(refused, unanswerable, strict=True) if r]
    return sum(hits) / len(hits) if hits else None


def refusal_recall(refused: Sequence[bool], unanswerable: Sequence[bool]) -> float | None:
    """Of the questions the collection does not answer, the share that was refused."""
    hits = [r for r, u in zip(refused, unanswerable, strict=True) if u]
    return sum(hits) / len(hits) if hits else None


def mean(values: Iterable[float | bool | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Iterable[float | None], q: float) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.percentile(present, q)) if present else None
