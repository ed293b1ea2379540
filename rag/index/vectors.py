"""Where the chunk vectors live, chosen by the `vector_store` setting (the factory), and opening an
index for searching on it:

    faiss   files in the index folder beside the chunk store and BM25 (the default; one machine)
    milvus  one Milvus collection per knowledge base, shared by every `rag serve` replica; a local
            .db path runs the embedded Milvus Lite, http://host:19530 a standalone or cluster

Either way the BM25 side is bm25s over the same chunk texts and fusion is ours (rag.retrieval),
so a backend changes where vectors are kept, never what a search returns. The protocols the
backends keep are rag.index.backend.
"""

from __future__ import annotations

from pathlib import Path

from rag.config import Config
from rag.errors import ConfigError, RagIndexError
from rag.index.backend import VectorBackend
from rag.index.loaded import Index
from rag.models.embedding import embedder_name

BACKENDS = ("faiss", "milvus")


def make_vector_backend(config: Config) -> VectorBackend:
    """The backend named by config.vector_store; cheap (nothing connects until used)."""
    if config.vector_store == "faiss":
        from rag.index.faiss_store import FaissBackend

        return FaissBackend(config)
    if config.vector_store == "milvus":
        from rag.index.milvus_store import MilvusBackend

        return MilvusBackend(config)
    raise ConfigError(f"setting 'vector_store' is '{config.vector_store}'; valid choices: {', '.join(BACKENDS)}")


def load_index(index_dir: Path, config: Config) -> Index:
    index = make_vector_backend(config).load(Path(index_dir))
    manifest, where = index.manifest, index.folder
    wanted = embedder_name(config.embed_model)
    if manifest.embed_name != wanted:
        raise RagIndexError(
            f"index {where} was built with embedding model {manifest.embed_name}, "
            f"the settings name {wanted}: run `rag index --rebuild`"
        )
    if not len(index.store) == len(index.dense) == manifest.chunk_count:
        raise RagIndexError(f"index {where} is damaged (chunk counts disagree): run `rag index --rebuild`")
    return index
