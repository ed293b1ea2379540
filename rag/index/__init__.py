"""The index of a document collection: one folder holding

    manifest.json   what it was built from and with (see manifest.py)
    chunks.jsonl    the chunk store, row i = vector i = BM25 document i
    dense.faiss     FAISS inner-product index of the chunk embeddings
    sparse/         bm25s index over the jieba tokens

Build or update with `update_index`, open with `load_index`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from ..embed import embedder_name
from ..errors import RagIndexError
from .atomic import recover
from .dense import DenseIndex
from .manifest import Manifest
from .sparse import SparseIndex, terms_fingerprint
from .store import ChunkStore


@dataclass
class Index:
    folder: Path
    manifest: Manifest
    store: ChunkStore
    dense: DenseIndex
    sparse: SparseIndex

    def __len__(self) -> int:
        return len(self.store)

    def documents(self) -> list[dict[str, Any]]:
        """The indexed documents, for listing in the UI."""
        return [{"doc": d.doc, "title": d.title, "chunks": d.chunks, "date": d.date, "sha256": d.sha256}
                for d in self.manifest.documents]

    def check_embedder(self, embedder) -> None:
        """Vectors from another model are meaningless to this index: refuse them."""
        m = self.manifest
        if embedder.name != m.embed_name or embedder.fingerprint != m.embed_fingerprint:
            raise RagIndexError(f"index {self.folder} was built with embedding model {m.embed_name} "
                                f"({m.embed_fingerprint[:12]}), not {embedder.name} "
                                f"({embedder.fingerprint[:12]}): run `rag index --rebuild`")


def load_index(index_dir: Path, config: Config) -> Index:
    folder = Path(index_dir)
    recover(folder)
    manifest = Manifest.load(folder)
    wanted = embedder_name(config.embed_model)
    if manifest.embed_name != wanted:
        raise RagIndexError(f"index {folder} was built with embedding model {manifest.embed_name}, "
                            f"the settings name {wanted}: run `rag index --rebuild`")
    try:
        store = ChunkStore.load(folder)
        dense = DenseIndex.load(folder)
        sparse = (SparseIndex.load(folder, len(store)) if manifest.tokenizer == terms_fingerprint()
                  else SparseIndex.build([c.index_text for c in store.chunks]))  # cheap; keeps queries consistent
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise RagIndexError(f"index {folder} is damaged ({exc.__class__.__name__}): "
                            "run `rag index --rebuild`") from None
    if not len(store) == len(dense) == manifest.chunk_count:
        raise RagIndexError(f"index {folder} is damaged (chunk counts disagree): run `rag index --rebuild`")
    return Index(folder, manifest, store, dense, sparse)


from .build import IndexReport, remove_documents, update_documents, update_index  # noqa: E402

__all__ = ["Index", "IndexReport", "load_index", "remove_documents", "update_documents", "update_index"]
