"""manifest.json: what an index was built from and with, checked before anything is loaded."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag import __version__
from rag.config import Config
from rag.errors import NoIndexError, RagIndexError

MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 1
# Settings that change the chunks themselves: when they differ, every document is chunked again
# (an index from before `ocr` existed is chunked again once, and so gains its chunks' pages).
CHUNK_SETTINGS = ("chunk_size", "chunk_min", "chunk_overlap", "ocr")


@dataclass(frozen=True)
class DocEntry:
    doc: str
    title: str
    sha256: str  # of the source file's bytes
    path: str  # absolute source path: how a later update tells a deleted file from one out of scope
    chunks: int
    date: str = ""
    script: str = ""
    revision: int = 0  # the build that wrote this document's chunks (a vector store keeps rows by it)


@dataclass(frozen=True)
class Manifest:
    embed_model: str  # the setting as given
    embed_name: str
    embed_fingerprint: str
    dim: int
    tokenizer: str  # rag.index.sparse.terms_fingerprint(): the BM25 terms it was built with
    dense_kind: str
    chunk_count: int
    documents: tuple[DocEntry, ...]
    embed_precision: str = "fp32"  # what the vectors were computed in; queries are encoded the same way
    config: dict[str, Any] = field(default_factory=dict)
    revision: int = 0  # counts the builds; replicas cache the BM25 side by it
    vector_store: str = "faiss"  # faiss | milvus (rag.index.vectors)
    collection: str = ""  # milvus: the collection holding the chunks and vectors
    touched: tuple[str, ...] = ()  # milvus: documents whose older rows this build deletes
    format: int = FORMAT_VERSION
    rag_version: str = __version__
    built_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    def chunk_settings_match(self, config: Config) -> bool:
        return all(self.config.get(k) == getattr(config, k) for k in CHUNK_SETTINGS)

    def save(self, folder: Path) -> None:
        (folder / MANIFEST_FILE).write_text(self.to_text(), encoding="utf-8")

    def to_text(self) -> str:
        data = asdict(self)
        data["documents"] = [asdict(d) for d in self.documents]
        data["touched"] = list(self.touched)
        return json.dumps(data, ensure_ascii=False, indent=1)

    @classmethod
    def load(cls, folder: Path) -> "Manifest":
        path = folder / MANIFEST_FILE
        if not path.is_file():
            raise NoIndexError(f"no index at {folder}: run `rag index`")
        return cls.from_text(path.read_text(encoding="utf-8"), str(path))

    @classmethod
    def from_text(cls, text: str, where: str) -> "Manifest":
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT_VERSION:
                raise RagIndexError(
                    f"index at {where} has format {data.get('format')}, this rag reads "
                    f"{FORMAT_VERSION}: run `rag index --rebuild`"
                )
            data["documents"] = tuple(DocEntry(**d) for d in data["documents"])
            data["touched"] = tuple(data.get("touched", ()))
            return cls(**data)
        except (ValueError, TypeError, KeyError) as exc:
            raise RagIndexError(f"{where} is damaged ({exc.__class__.__name__}): run `rag index --rebuild`") from None
