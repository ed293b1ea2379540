"""Dense side: a FAISS inner-product index over normalised vectors (so scores are cosines).
Exact (flat) search by default; HNSW once the collection is large enough that exact search is slow."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.index.ranked import Ranked

DENSE_FILE = "dense.faiss"
HNSW_M = 32  # graph degree: the usual recall/memory balance for a few hundred dimensions
HNSW_EF_SEARCH = 128


class DenseIndex:
    def __init__(self, index):
        self.index = index

    @property
    def kind(self) -> str:
        return "hnsw" if "HNSW" in type(self.index).__name__ else "flat"

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, dim: int, hnsw_above: int) -> "DenseIndex":
        import faiss

        if len(vectors) > hnsw_above:
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    def vectors(self) -> np.ndarray:
        """All stored vectors in row order (flat and HNSW-flat both keep them exactly)."""
        if not len(self):
            return np.zeros((0, self.index.d), np.float32)
        return self.index.reconstruct_n(0, len(self))

    def search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None) -> Ranked:
        """Top `depth` rows by cosine, optionally only among `allowed` rows."""
        import faiss

        depth = min(depth, len(self) if allowed is None else len(allowed))
        if depth <= 0:
            return Ranked.empty()
        selector = None if allowed is None else faiss.IDSelectorBatch(
            np.ascontiguousarray(allowed, dtype=np.int64))
        if self.kind == "hnsw":  # the candidate list must be at least as deep as the answer
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, depth))
        else:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
        scores, rows = self.index.search(query.reshape(1, -1).astype(np.float32), depth, params=params)
        keep = rows[0] >= 0
        return Ranked(rows[0][keep].astype(np.int64), scores[0][keep])

    def save(self, folder: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(folder / DENSE_FILE))

    @classmethod
    def load(cls, folder: Path) -> "DenseIndex":
        import faiss

        index = faiss.read_index(str(folder / DENSE_FILE))
        if "HNSW" in type(index).__name__:
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(index)
