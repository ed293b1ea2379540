"""An index opened for searching: the manifest, chunk store, dense (vector store) and BM25 sides,
checked against each other and against the settings. Which vector store holds it is a setting
(vector_store, rag.index.vectors)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import RagIndexError
from rag.index.backend import VectorStore
from rag.index.manifest import Manifest
from rag.index.sparse import SparseIndex, terms_fingerprint
from rag.index.store import ChunkStore


@dataclass
class Index:
    folder: Path
    manifest: Manifest
    store: ChunkStore
    dense: VectorStore
    sparse: SparseIndex

    def __len__(self) -> int:
        return len(self.store)

    def documents(self) -> list[dict[str, Any]]:
        """The indexed documents, for listing in the UI."""
        return [
            {"doc": d.doc, "title": d.title, "chunks": d.chunks, "date": d.date, "sha256": d.sha256}
            for d in self.manifest.documents
        ]

    def check_embedder(self, embedder) -> None:
        """Vectors from another model are meaningless to this index: refuse them."""
        m = self.manifest
        if embedder.name != m.embed_name or embedder.fingerprint != m.embed_fingerprint:
            raise RagIndexError(
                f"index {self.folder} was built with embedding model {m.embed_name} "
                f"({m.embed_fingerprint[:12]}), not {embedder.name} "
                f"({embedder.fingerprint[:12]}): run `rag index --rebuild`"
            )
        if embedder.precision != m.embed_precision:
            raise RagIndexError(
                f"index {self.folder} holds {m.embed_precision} embeddings, the embedder computes "
                f'{embedder.precision}: set embed_precision = "{m.embed_precision}" or run '
                "`rag index --rebuild`"
            )


def read_parts(folder: Path, manifest: Manifest) -> tuple[ChunkStore, SparseIndex]:
    """The chunk store and BM25 side saved in `folder` (BM25 re-cut when the terms changed)."""
    store = ChunkStore.load(folder)
    sparse = (
        SparseIndex.load(folder, len(store))
        if manifest.tokenizer == terms_fingerprint()
        else SparseIndex.build([c.index_text for c in store.chunks])
    )  # cheap; keeps queries consistent
    return store, sparse
