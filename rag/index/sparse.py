"""Sparse side: BM25 (bm25s) over terms built from THE jieba tokenizer of rag.text.tokenize, applied
alike to the indexed text and the question, so either script finds either.

A chunk's terms are its words (with their dictionary sub-words), each pair of neighbouring words
(a phrase match outranks the same words scattered) and its single characters in a namespace of
their own (a reworded question still shares characters with the passage). BM25 alone, answer
MRR@10 on the seeds gold set / hit@1 on CMRC 2018 dev: words 0.908 / 0.975, words and characters
0.939 / 0.983, words, pairs and characters 0.956 / 0.986.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Sequence

import numpy as np

from rag.index.ranked import Ranked
from rag.text.normalize import is_han
from rag.text.tokenize import expand, segment, tokenizer_fingerprint

SPARSE_DIR = "sparse"
K1 = 1.2  # term-frequency saturation and length normalisation: Lucene's defaults won on both
B = 0.75  # the seeds and CMRC 2018 (README, Retrieval)


def bm25_terms(text: str) -> list[str]:
    words = segment(text)
    pairs = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]  # words never hold a space
    chars = [f"#{c}" for word in words for c in word if is_han(c)]
    return expand(words) + pairs + chars


@functools.lru_cache(maxsize=4)
def _terms_fingerprint(tokenizer: str) -> str:
    source = Path(__file__).read_bytes() + tokenizer.encode()
    return hashlib.sha256(source).hexdigest()[:16]


def terms_fingerprint() -> str:
    """Changes whenever the terms of a text could change; a saved BM25 index from other terms
    is rebuilt from the chunk store on load."""
    return _terms_fingerprint(tokenizer_fingerprint())


class SparseIndex:
    def __init__(self, bm25, size: int):
        self.bm25 = bm25
        self.size = size

    def __len__(self) -> int:
        return self.size

    @classmethod
    def build(cls, texts: Sequence[str], k1: float = K1, b: float = B) -> "SparseIndex":
        import bm25s

        bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
        if texts:
            # an empty chunk still needs a token row; "" is bm25s's own placeholder token
            bm25.index([bm25_terms(t) or [""] for t in texts], show_progress=False)
        return cls(bm25, len(texts))

    def search(self, query: str, depth: int, allowed: np.ndarray | None = None) -> Ranked:
        """Top `depth` rows with a positive score, optionally only among `allowed` rows."""
        ids = self.bm25.get_tokens_ids(bm25_terms(query)) if self.size else []
        if not ids or depth <= 0:
            return Ranked.empty()
        mask = None
        if allowed is not None:
            mask = np.zeros(self.size, dtype=np.float32)
            mask[allowed] = 1.0
        scores = self.bm25.get_scores_from_ids(ids, weight_mask=mask)
        depth = min(depth, int(np.count_nonzero(scores > 0)))
        if depth <= 0:
            return Ranked.empty()
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.lexsort((top, -scores[top]))]  # ties by row: the same answer every time
        return Ranked(top.astype(np.int64), scores[top].astype(np.float32))

    def save(self, folder: Path) -> None:
        if self.size:
            self.bm25.save(str(folder / SPARSE_DIR), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> "SparseIndex":
        import bm25s

        if not size:
            return cls.build([])
        return cls(bm25s.BM25.load(str(folder / SPARSE_DIR), show_progress=False, verbosity=0), size)
