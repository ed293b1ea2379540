"""Typed records passed between stages: files -> Document -> Chunk -> Hit -> Answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    doc: str  # path relative to the indexed root, e.g. "000_bebb5635b1c7aea1.txt"
    text: str  # cleaned text, paragraphs separated by "\n\n"
    title: str = ""
    date: str = ""  # as the text states it, normalised to YYYY-MM-DD when possible
    source: str = ""
    script: str = "simplified"  # simplified | traditional | mixed
    sha256: str = ""  # of the source file's bytes
    path: str = ""  # absolute path of the source file


@dataclass(frozen=True)
class Chunk:
    id: str  # stable: hash of doc + offsets + text
    doc: str
    title: str
    section: str  # section path, e.g. "02 重點工作規劃及推進情況 > 全力推進民生扶貧"
    start: int  # character offsets into Document.text
    end: int
    text: str  # the passage as shown to a reader
    index_text: str  # what is embedded and tokenised: title and section path prepended

    def to_json(self) -> dict[str, Any]:
        return {"chunk_id": self.id, "doc": self.doc, "title": self.title, "section": self.section,
                "start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused score: higher is better, comparable only within one result list
    rank: int  # 1-based
    sparse_rank: int | None = None  # rank in the BM25 list, None when absent there
    dense_rank: int | None = None
    sparse_score: float | None = None
    dense_score: float | None = None  # cosine similarity

    def to_json(self) -> dict[str, Any]:
        c = self.chunk
        return {"rank": self.rank, "doc": c.doc, "title": c.title, "section": c.section,
                "chunk_id": c.id, "score": round(float(self.score), 6), "text": c.text}


@dataclass(frozen=True)
class Citation:
    n: int  # the [n] number used in the answer
    chunk: Chunk
    spans: tuple[tuple[int, int], ...] = ()  # supporting spans within chunk.text, for highlighting

    def to_json(self) -> dict[str, Any]:
        c = self.chunk
        return {"n": self.n, "doc": c.doc, "title": c.title, "section": c.section,
                "chunk_id": c.id, "text": c.text}


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode: str = "generate"  # generate | extract
    query: str = ""  # the standalone query actually retrieved with (after follow-up rewriting)
    tokens: dict[str, int] = field(default_factory=dict)  # model tokens: prompt, completion (none without a model)
    why: str = ""  # why it was refused: the gate, the model declining, or no sentence holding
    dropped: tuple[tuple[str, str], ...] = ()  # (sentence, reason) for each model sentence not shown

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.text, "refused": self.refused,
                "citations": [c.to_json() for c in self.citations],
                "hits": [h.to_json() for h in self.hits],
                "timings_ms": {k: round(float(v), 1) for k, v in self.timings_ms.items()}}


def search_json(question: str, hits: "list[Hit] | tuple[Hit, ...]") -> dict[str, Any]:
    """The object of `rag search --json` (and of the HTTP API's /v1/search)."""
    return {"question": question, "hits": [h.to_json() for h in hits]}
