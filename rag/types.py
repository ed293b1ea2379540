"""Typed records passed between stages: files -> Document -> Chunk -> Hit -> Answer."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

SECTION_SEPARATOR = " > "  # between the levels of a chunk's section path


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
    pages: tuple[int, ...] = ()  # paged formats (PDF, multi-page TIFF): where page n+1 begins in text
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text was read by OCR from a scan
    ocr: bool = False  # some of the text was read by OCR (an image, or scanned pages)

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding text[offset], None for a format without pages."""
        return bisect.bisect_right(self.pages, offset) if self.pages else None


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
    # Optional, so that a chunks.jsonl written before they existed still loads:
    page: int | None = None  # 1-based page where the chunk begins; None for formats without pages
    page_end: int | None = None  # the last page, when the chunk runs onto a later page
    ocr: bool = False  # the passage was read by OCR from a scan
    date: str = ""  # the document's date (YYYY-MM-DD) and source, as it states them
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "chunk_id": self.id,
            "doc": self.doc,
            "title": self.title,
            "section": self.section,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            **self.where_json(),
        }

    def where_json(self) -> dict[str, Any]:
        """The optional fields of the JSON contracts (docs/evaluation.md, docs/http-api.md): present only when known."""
        out: dict[str, Any] = {}
        if self.page is not None:
            out["page"] = self.page
            if self.page_end is not None and self.page_end != self.page:
                out["page_end"] = self.page_end
        if self.ocr:
            out["ocr"] = True
        out.update({k: v for k, v in (("date", self.date), ("source", self.source)) if v})
        return out

    def where(self, english: bool = False) -> str:
        """Where a reader finds the passage beyond its file: 第2页 (p. 2), 第2-3页, 扫描件 (scan),
        the date and source; "" when nothing is known."""
        return " · ".join(p for p in (self.page_label(english), self.date, self.source) if p)

    def page_label(self, english: bool = False) -> str:
        """第2页 · 扫描件, p. 2, pp. 2-3 · scan (OCR); "" without pages or OCR."""
        parts = []
        if self.page is not None:
            last = self.page_end if self.page_end and self.page_end != self.page else None
            pages = f"{self.page}-{last}" if last else str(self.page)
            parts.append(f"{'pp' if last else 'p'}. {pages}" if english else f"第{pages}页")
        if self.ocr:
            parts.append("scan (OCR)" if english else "扫描件")
        return " · ".join(parts)


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
        return {
            "rank": self.rank,
            "doc": c.doc,
            "title": c.title,
            "section": c.section,
            "chunk_id": c.id,
            "score": round(float(self.score), 6),
            "text": c.text,
            **c.where_json(),
        }


@dataclass(frozen=True)
class Citation:
    n: int  # the [n] number used in the answer
    chunk: Chunk
    spans: tuple[tuple[int, int], ...] = ()  # supporting spans within chunk.text, for highlighting

    def to_json(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "n": self.n,
            "doc": c.doc,
            "title": c.title,
            "section": c.section,
            "chunk_id": c.id,
            "text": c.text,
            **c.where_json(),
        }


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode: str = "generate"  # generate | extract | faq (an approved answer, given word for word)
    query: str = ""  # the standalone query actually retrieved with (after follow-up rewriting)
    tokens: dict[str, int] = field(default_factory=dict)  # model tokens: prompt, completion (none without a model)
    why: str = ""  # why it was refused: the gate, the model declining, or no sentence holding
    dropped: tuple[tuple[str, str], ...] = ()  # (sentence, reason) for each model sentence not shown
    doubts: dict[str, float] = field(
        default_factory=dict
    )  # the model's P(否) when asked (rag.answer.judge): answerable, judge

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "hits": [h.to_json() for h in self.hits],
            "timings_ms": {k: round(float(v), 1) for k, v in self.timings_ms.items()},
        }


def search_json(question: str, hits: "list[Hit] | tuple[Hit, ...]") -> dict[str, Any]:
    """The object of `rag search --json` (and of the HTTP API's /v1/search)."""
    return {"question": question, "hits": [h.to_json() for h in hits]}
