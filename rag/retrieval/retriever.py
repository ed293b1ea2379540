"""Hybrid retrieval: BM25 and dense candidates, over-fetched, fused by weighted rank, de-duplicated.

retriever = Retriever(load_index(path, config), make_embedder(config), config)
hits = retriever.search("藤县贫困发生率", k=5, doc_glob="000_*")
"""

from __future__ import annotations

import threading

import numpy as np

from rag.config import Config
from rag.errors import RagError
from rag.index import Index
from rag.index.ranked import Ranked
from rag.retrieval.fusion import Fused, drop_near_duplicates, weighted_rrf
from rag.types import Hit


class Retriever:
    def __init__(self, index: Index, embedder, config: Config):
        self.index = index
        self.embedder = embedder
        self.config = config
        self._checked = False
        self._lock = threading.Lock()

    def search(self, query: str, k: int, doc_glob: str | None = None) -> list[Hit]:
        query = query.strip()
        if not query:
            raise RagError("the question is empty: type a question")
        allowed = self._allowed(doc_glob)
        depth = max(k, k * self.config.fetch_factor)
        sparse = self.sparse(query, depth, allowed)
        dense = self.dense(query, depth, allowed)
        fused = weighted_rrf(
            [sparse.rows.tolist(), dense.rows.tolist()],
            [self.config.bm25_weight, self.config.dense_weight],
            self.config.rrf_k,
        )
        kept = drop_near_duplicates(
            fused, lambda f: self.index.store[f.item].text, self.config.dedup_threshold, limit=k
        )
        return [self._hit(f, rank, sparse, dense) for rank, f in enumerate(kept, start=1)]

    def sparse(self, query: str, depth: int, allowed: np.ndarray | None = None) -> Ranked:
        if self.config.bm25_weight <= 0:
            return Ranked.empty()
        return self.index.sparse.search(query, depth, allowed)

    def dense(self, query: str, depth: int, allowed: np.ndarray | None = None) -> Ranked:
        if self.config.dense_weight <= 0 or not len(self.index):
            return Ranked.empty()
        self._check_embedder()
        return self.index.dense.search(self.embedder.encode_query(query), depth, allowed)

    def _check_embedder(self) -> None:
        with self._lock:
            if not self._checked:
                self.index.check_embedder(self.embedder)
                self._checked = True

    def _allowed(self, doc_glob: str | None) -> np.ndarray | None:
        if not doc_glob:
            return None
        rows = self.index.store.rows_matching(doc_glob)
        if not len(rows):
            raise RagError(
                f"no indexed document matches '{doc_glob}': use a shell pattern over the doc "
                "names that `rag search` prints, e.g. '000_*'"
            )
        return rows

    def _hit(self, fused: Fused[int], rank: int, sparse: Ranked, dense: Ranked) -> Hit:
        sparse_rank, dense_rank = fused.ranks
        return Hit(
            chunk=self.index.store[fused.item],
            score=fused.score,
            rank=rank,
            sparse_rank=sparse_rank,
            dense_rank=dense_rank,
            sparse_score=_score_at(sparse, sparse_rank),
            dense_score=_score_at(dense, dense_rank),
        )


def _score_at(ranked: Ranked, rank: int | None) -> float | None:
    return None if rank is None else float(ranked.scores[rank - 1])
