"""Pure rank-fusion functions. Scores of different retrievers are not comparable (BM25 is
unbounded, cosine sits in a narrow band), so lists are fused by rank, each weighted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Generic, Hashable, Sequence, TypeVar

from rag.text.normalize import HAN, compact

T = TypeVar("T")
H = TypeVar("H", bound=Hashable)
_NOT_WORD = re.compile(f"[^0-9a-z{HAN}]+")


@dataclass(frozen=True)
class Fused(Generic[H]):
    item: H
    score: float
    ranks: tuple[int | None, ...]  # 1-based rank in each input list, None where absent


def weighted_rrf(rankings: Sequence[Sequence[H]], weights: Sequence[float], k: float = 60.0) -> list[Fused[H]]:
    """Weighted reciprocal rank fusion: score = sum over lists of weight / (k + rank).

    A small k lets the first places of a list dominate; a large k flattens the ranks. Ties go to
    the item with the better best rank, then to the earlier list, so the result is deterministic."""
    if len(rankings) != len(weights):
        raise ValueError("one weight per ranking")
    ranks: dict[H, list[int | None]] = {}
    for i, ranking in enumerate(rankings):
        for rank, item in enumerate(ranking, start=1):
            ranks.setdefault(item, [None] * len(rankings))
            if ranks[item][i] is None:  # a repeated item keeps its best place
                ranks[item][i] = rank
    fused = [Fused(item, _rrf_score(r, weights, k), tuple(r)) for item, r in ranks.items()]
    return sorted(fused, key=_tie_break)


def _rrf_score(ranks: Sequence[int | None], weights: Sequence[float], k: float) -> float:
    return sum(w / (k + r) for r, w in zip(ranks, weights, strict=True) if r is not None)


def _tie_break(f: Fused[H]) -> tuple:
    placed = [(r, i) for i, r in enumerate(f.ranks) if r is not None]
    return (-f.score, min(placed) if placed else (0, 0))


def bigrams(text: str) -> frozenset[str]:
    """Character bigrams of the comparison form without punctuation: the same passage in either
    script, spaced or punctuated differently, yields the same set."""
    text = _NOT_WORD.sub("", compact(text))
    return frozenset(text[i : i + 2] for i in range(len(text) - 1)) or frozenset([text])


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def drop_near_duplicates(
    items: Sequence[T], text: Callable[[T], str], threshold: float, limit: int | None = None
) -> list[T]:
    """Keep items in order, skipping any whose text is at least `threshold` similar (bigram
    Jaccard) to one already kept; stop at `limit` kept. threshold >= 1.0 keeps exact repeats out only."""
    kept: list[T] = []
    seen: list[frozenset[str]] = []
    for item in items:
        if limit is not None and len(kept) >= limit:
            break
        grams = bigrams(text(item))
        if any(jaccard(grams, other) >= threshold for other in seen):
            continue
        kept.append(item)
        seen.append(grams)
    return kept
