"""An index folder opened for searching: the manifest, chunk store, FAISS and BM25 sides, checked
against each other and against the settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.config import Config
from rag.errors import RagIndexError
from rag.index.atomic import recover
from rag.index.dense import DenseIndex
from rag.index.manifest import Manifest
from rag.index.sparse import SparseIndex, terms_fingerprint
from rag.index.store import ChunkStore
from rag.models.embedder import embedder_name


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
        if embedder.precision != m.embed_precision:
            raise RagIndexError(f"index {self.folder} holds {m.embed_precision} embeddings, the embedder computes "
                                f"{embedder.precision}: set embed_precision = \"{m.embed_precision}\" or run "
                                "`rag index --rebuild`")


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
