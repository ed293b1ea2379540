"""The protocols of where chunk vectors live: VectorStore (one loaded index's dense side) and
VectorBackend (opening and publishing an index on one kind of store). The backends are
rag.index.faiss_store and rag.index.milvus_store; rag.index.vectors is the factory that picks one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol, Sequence

import numpy as np

from rag.index.ranked import Ranked

if TYPE_CHECKING:
    from rag.index.loaded import Index
    from rag.index.manifest import Manifest
    from rag.types import Chunk

VectorsFor = Callable[[Sequence["Chunk"]], np.ndarray]  # the vectors of chunks, embedding only new texts


class VectorStore(Protocol):
    @property
    def kind(self) -> str:
        """How it searches: flat | hnsw | milvus-FLAT | milvus-HNSW ..."""
        ...

    def __len__(self) -> int: ...

    def search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None) -> Ranked:
        """Top `depth` store rows by cosine (inner product of unit vectors), optionally only
        among the `allowed` rows."""
        ...

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of these store rows, in that order (an update reuses them)."""
        ...


class VectorBackend(Protocol):
    name: str

    def where(self, folder: Path) -> str:
        """Where the index of this folder lives, for messages."""
        ...

    def revision(self, folder: Path) -> int:
        """The published revision of this folder's index; 0 when there is none."""
        ...

    def load(self, folder: Path) -> "Index":
        """The published index (raises RagIndexError naming what to do when there is none)."""
        ...

    def publish(self, folder: Path, manifest: "Manifest", chunks: Sequence["Chunk"], vectors_for: VectorsFor) -> None:
        """Make `chunks` (in store order) the searchable state, atomically: a failure or a kill
        midway leaves the previous state searchable."""
        ...

    def drop(self, folder: Path) -> None:
        """Delete what the store keeps of this folder's index outside the folder (the caller
        removes the folder)."""
        ...

    def dense_kind(self, count: int) -> str:
        """The search structure a build of `count` chunks gets (recorded in the manifest)."""
        ...
