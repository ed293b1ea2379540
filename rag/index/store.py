"""The chunk store: every indexed Chunk in row order (row i is vector i and BM25 document i)."""

from __future__ import annotations

import fnmatch
import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from rag.types import Chunk

CHUNKS_FILE = "chunks.jsonl"


def embed_key(chunk: Chunk) -> str:
    """What the embedding of a chunk depends on; equal keys can share a vector across builds."""
    return hashlib.sha256(chunk.index_text.encode("utf-8")).hexdigest()[:24]


class ChunkStore:
    def __init__(self, chunks: Sequence[Chunk]):
        self.chunks: list[Chunk] = list(chunks)
        self._docs = np.array([c.doc for c in self.chunks], dtype=object)

    def __len__(self) -> int:
        return len(self.chunks)

    def __getitem__(self, row: int) -> Chunk:
        return self.chunks[row]

    def rows_of(self, docs: Iterable[str]) -> np.ndarray:
        wanted = set(docs)
        return np.array([i for i, c in enumerate(self.chunks) if c.doc in wanted], dtype=np.int64)

    def rows_matching(self, doc_glob: str) -> np.ndarray:
        """Rows whose document matches a shell pattern; a bare name also matches inside folders."""
        docs = {c.doc for c in self.chunks}
        names = {d for d in docs if fnmatch.fnmatch(d, doc_glob) or fnmatch.fnmatch(Path(d).name, doc_glob)}
        return self.rows_of(names)

    def save(self, folder: Path) -> None:
        with (folder / CHUNKS_FILE).open("w", encoding="utf-8") as fh:
            for chunk in self.chunks:
                fh.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path) -> "ChunkStore":
        with (folder / CHUNKS_FILE).open(encoding="utf-8") as fh:
            return cls([Chunk(**json.loads(line)) for line in fh if line.strip()])
