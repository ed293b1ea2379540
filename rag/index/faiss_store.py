"""The `faiss` vector store: a FAISS inner-product index over normalised vectors (so scores are
cosines), saved in the index folder beside the chunk store and BM25 and published with them by an
atomic folder swap. Exact (flat) search by default; HNSW once the collection is large enough that
exact search is slow."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from rag.config import Config
from rag.errors import RagIndexError
from rag.index import atomic
from rag.index.backend import VectorsFor
from rag.index.loaded import Index, read_parts
from rag.index.manifest import MANIFEST_FILE, Manifest
from rag.index.ranked import Ranked
from rag.index.sparse import SparseIndex
from rag.index.store import ChunkStore
from rag.types import Chunk

if TYPE_CHECKING:
    import faiss

DENSE_FILE = "dense.faiss"
HNSW_M = 32  # graph degree: the usual recall/memory balance for a few hundred dimensions
HNSW_EF_SEARCH = 128


class DenseIndex:
    def __init__(self, index: faiss.Index):
        self.index = index

    @property
    def kind(self) -> str:
        return "hnsw" if "HNSW" in type(self.index).__name__ else "flat"

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, dim: int, hnsw_above: int) -> "DenseIndex":
        import faiss

        index: faiss.Index
        if len(vectors) > hnsw_above:
            index = hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """Stored vectors of these rows (flat and HNSW-flat both keep them exactly)."""
        if not len(rows):
            return np.zeros((0, self.index.d), np.float32)
        return self.index.reconstruct_batch(np.ascontiguousarray(rows, dtype=np.int64))

    def search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None) -> Ranked:
        """Top `depth` rows by cosine, optionally only among `allowed` rows."""
        import faiss

        depth = min(depth, len(self) if allowed is None else len(allowed))
        if depth <= 0:
            return Ranked.empty()
        selector = None if allowed is None else faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
        if self.kind == "hnsw":  # the candidate list must be at least as deep as the answer
            # faiss's stubs lack SearchParametersHNSW (the compiled module has it)
            params = faiss.SearchParametersHNSW(  # type: ignore[attr-defined]
                sel=selector, efSearch=max(HNSW_EF_SEARCH, depth)
            )
        else:
            # the stubs give SearchParameters a bare __init__; faiss's wrapper (class_wrappers.
            # handle_SearchParameters) takes its fields as keywords
            params = faiss.SearchParameters(sel=selector) if selector is not None else None  # type: ignore[call-arg]
        scores, rows = self.index.search(query.reshape(1, -1).astype(np.float32), depth, params=params)
        keep = rows[0] >= 0
        return Ranked(rows[0][keep].astype(np.int64), scores[0][keep])

    def save(self, folder: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(folder / DENSE_FILE))

    @classmethod
    def load(cls, folder: Path) -> "DenseIndex":
        import faiss

        index = faiss.read_index(str(folder / DENSE_FILE))  # comes back as its own class (IndexHNSWFlat ...)
        if isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(index)


class FaissBackend:
    name = "faiss"

    def __init__(self, config: Config):
        self.config = config

    def where(self, folder: Path) -> str:
        return str(folder)

    def drop(self, folder: Path) -> None:
        pass  # everything is in the folder

    def dense_kind(self, count: int) -> str:
        return "hnsw" if count > self.config.hnsw_above else "flat"

    def revision(self, folder: Path) -> int:
        atomic.recover(folder)
        if not (folder / MANIFEST_FILE).is_file():
            return 0
        return max(Manifest.load(folder).revision, 1)  # an index from before revisions were counted: 1

    def load(self, folder: Path) -> Index:
        atomic.recover(folder)
        manifest = Manifest.load(folder)
        try:
            store, sparse = read_parts(folder, manifest)
            dense = DenseIndex.load(folder)
        except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
            raise RagIndexError(
                f"index {folder} is damaged ({exc.__class__.__name__}): run `rag index --rebuild`"
            ) from None
        if len(dense) != len(store):
            raise RagIndexError(f"index {folder} is damaged (chunk counts disagree): run `rag index --rebuild`")
        return Index(folder, manifest, store, dense, sparse)

    def publish(self, folder: Path, manifest: Manifest, chunks: Sequence[Chunk], vectors_for: VectorsFor) -> None:
        vectors = vectors_for(chunks)
        dense = DenseIndex.build(vectors, manifest.dim, self.config.hnsw_above)
        sparse = SparseIndex.build([c.index_text for c in chunks])
        with atomic.staging(folder) as staged:
            ChunkStore(chunks).save(staged)
            dense.save(staged)
            sparse.save(staged)
            manifest.save(staged)  # last: a folder without a manifest is never taken for an index
