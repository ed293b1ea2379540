"""One evaluated question, as a line of results.jsonl (format in docs/evaluation.md, "Outputs"),
and the judgements derived from it. Metrics are always recomputed from these records, so a
results.jsonl alone is enough to score, report or compare a run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from rag.errors import EvalError
from rag.evaluation.gold import GoldItem
from rag.evaluation.metrics import contains_answer, first_rank, is_correct
from rag.types import Answer, Citation, Hit

STAGES = ("retrieve", "generate", "total")
MODEL_STAGES = ("first_token", "prefill", "decode")  # when a model ran: first text shown, its prompt and answer time


PAGE_KEYS = ("page", "page_end", "ocr")  # where in a paged document, when it has pages (docs/evaluation.md)


@dataclass(frozen=True)
class Passage:
    """A retrieved (with score) or cited (with n) passage, reduced to what a report needs."""

    doc: str
    chunk_id: str
    text: str
    score: float | None = None
    n: int | None = None
    pages: tuple[tuple[str, Any], ...] = ()  # the chunk's PAGE_KEYS that it has

    @classmethod
    def of_hit(cls, hit: Hit) -> "Passage":
        return cls(
            hit.chunk.doc,
            hit.chunk.id,
            hit.chunk.text,
            score=round(float(hit.score), 6),
            pages=_pages(hit.chunk.where_json()),
        )

    @classmethod
    def of_citation(cls, citation: Citation) -> "Passage":
        return cls(
            citation.chunk.doc,
            citation.chunk.id,
            citation.chunk.text,
            n=citation.n,
            pages=_pages(citation.chunk.where_json()),
        )

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Passage":
        return cls(obj["doc"], obj["chunk_id"], obj["text"], score=obj.get("score"), n=obj.get("n"), pages=_pages(obj))

    def retrieved_json(self) -> dict[str, Any]:
        return {"doc": self.doc, "chunk_id": self.chunk_id, "score": self.score, "text": self.text, **dict(self.pages)}

    def cited_json(self) -> dict[str, Any]:
        return {"n": self.n, "doc": self.doc, "chunk_id": self.chunk_id, "text": self.text, **dict(self.pages)}


def _pages(obj: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple((k, obj[k]) for k in PAGE_KEYS if obj.get(k) is not None)


@dataclass(frozen=True)
class QuestionResult:
    gold: GoldItem
    retrieved: tuple[Passage, ...]  # top k, in rank order
    latency_ms: dict[str, float | None]
    answer: str | None = None  # None for every answer field with --retrieval-only
    refused: bool | None = None
    citations: tuple[Passage, ...] | None = None
    tokens: dict[str, int] | None = None  # model tokens (prompt, completion); empty without a model
    why: str = ""  # why the answer was refused (Answer.why)
    dropped: tuple[tuple[str, str], ...] = ()  # model sentences not shown, with the reason
    doubts: dict[str, float] | None = None  # the model's P(否) when asked (Answer.doubts)
    mode: str = ""  # Answer.mode: generate, extract, or faq (an approved answer given word for word)

    @property
    def answered(self) -> bool:
        """Whether an answer was generated at all (False in retrieval-only runs)."""
        return self.answer is not None

    @property
    def correct(self) -> bool | None:
        if not self.answered:
            return None
        return is_correct(self.answer or "", bool(self.refused), self.gold.answers)

    @property
    def doc_rank(self) -> int | None:
        """Rank of the first retrieved passage from a gold document."""
        return first_rank(p.doc in self.gold.docs for p in self.retrieved)

    @property
    def answer_rank(self) -> int | None:
        """Rank of the first retrieved passage that holds an acceptable answer."""
        return first_rank(contains_answer(p.text, self.gold.answers) for p in self.retrieved)

    @property
    def cited_support(self) -> bool:
        return any(contains_answer(c.text, self.gold.answers) for c in self.citations or ())

    def to_json(self) -> dict[str, Any]:
        g = self.gold
        return {
            "id": g.id,
            "question": g.question,
            "type": g.type,
            "answers": list(g.answers),
            "docs": list(g.docs),
            "retrieved": [p.retrieved_json() for p in self.retrieved],
            "answer": self.answer,
            "refused": self.refused,
            "citations": None if self.citations is None else [c.cited_json() for c in self.citations],
            "correct": self.correct,
            "latency_ms": self.latency_ms,
            "tokens": self.tokens,
            "why": self.why,
            "dropped": [list(d) for d in self.dropped],
            "doubts": self.doubts,
            "mode": self.mode,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "QuestionResult":
        cited = obj.get("citations")
        return cls(
            gold=GoldItem.from_json(obj),
            retrieved=tuple(Passage.from_json(p) for p in obj.get("retrieved") or ()),
            latency_ms=dict(obj.get("latency_ms") or {}),
            answer=obj.get("answer"),
            refused=obj.get("refused"),
            tokens=obj.get("tokens"),
            why=obj.get("why") or "",
            dropped=tuple(tuple(d) for d in obj.get("dropped") or ()),
            doubts=obj.get("doubts"),
            mode=obj.get("mode") or "",
            citations=None if cited is None else tuple(Passage.from_json(c) for c in cited),
        )


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def retrieval_result(gold: GoldItem, hits: Sequence[Hit], retrieve_ms: float) -> QuestionResult:
    return QuestionResult(
        gold,
        tuple(Passage.of_hit(h) for h in hits),
        {"retrieve": _round(retrieve_ms), "generate": None, "total": _round(retrieve_ms)},
    )


def answer_result(gold: GoldItem, hits: Sequence[Hit], answer: Answer) -> QuestionResult:
    """`hits` are the top-k retrieval list scored for retrieval; the latencies are the answer's own."""
    timings = answer.timings_ms
    latency = {stage: _round(timings.get(stage)) for stage in STAGES}
    latency.update({stage: _round(timings[stage]) for stage in MODEL_STAGES if stage in timings})
    return QuestionResult(
        gold,
        tuple(Passage.of_hit(h) for h in hits),
        latency,
        answer=answer.text,
        refused=bool(answer.refused),
        citations=tuple(Passage.of_citation(c) for c in answer.citations),
        tokens=dict(answer.tokens),
        why=answer.why,
        dropped=answer.dropped,
        doubts=dict(answer.doubts),
        mode=answer.mode,
    )


def read_results(path: str | Path) -> list[QuestionResult]:
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        raise EvalError(f"{path}: cannot read evaluation results; pass a run folder written by `rag eval`") from None
    try:
        return [QuestionResult.from_json(json.loads(line)) for line in lines if line.strip()]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise EvalError(f"{path}: not a results.jsonl written by `rag eval` ({exc.__class__.__name__})") from None


def result_lines(results: Iterable[QuestionResult]) -> Iterable[str]:
    for result in results:
        yield json.dumps(result.to_json(), ensure_ascii=False) + "\n"
