"""From per-question records to metrics.json (keys exactly as docs/evaluation.md lists them,
plus the CMRC EM/F1 for SQuAD-style benchmarks). Which questions each figure is taken over:

- hit@k, mrr@10: questions that name `docs`;
- answer_hit@k, answer_mrr@10, char_f1: questions with acceptable answers (a refusal scores 0);
- accuracy, refusal precision/recall: every answered question;
- citation_support: answerable questions that were answered rather than refused.
"""

from __future__ import annotations

from typing import Any, Sequence

from rag.evaluation.cmrc import cmrc_em, cmrc_f1
from rag.evaluation.metrics import (
    char_f1,
    hit_at,
    mean,
    mrr_at,
    percentile,
    refusal_precision,
    refusal_recall,
    strip_citations,
)
from rag.evaluation.records import QuestionResult

KS = (1, 3, 5, 10)
ANSWER_KEYS = ("accuracy", "char_f1", "refusal_precision", "refusal_recall", "citation_support")
CMRC_KEYS = ("cmrc_em", "cmrc_f1")
LATENCY_KEYS = ("retrieve_p50", "retrieve_p95", "total_p50", "total_p95")


def _rounded(values: dict[str, float | None], digits: int = 4) -> dict[str, float | None]:
    return {k: None if v is None else round(v, digits) for k, v in values.items()}


def retrieval_metrics(results: Sequence[QuestionResult]) -> dict[str, float | None]:
    doc_ranks = [r.doc_rank for r in results if r.gold.docs]
    answer_ranks = [r.answer_rank for r in results if r.gold.answers]
    out: dict[str, float | None] = {f"hit@{k}": hit_at(doc_ranks, k) for k in KS}
    out["mrr@10"] = mrr_at(doc_ranks, 10)
    out.update({f"answer_hit@{k}": hit_at(answer_ranks, k) for k in KS})
    out["answer_mrr@10"] = mrr_at(answer_ranks, 10)
    return _rounded(out)


def _prediction(result: QuestionResult) -> str:
    return "" if result.refused else strip_citations(result.answer or "")


def answer_metrics(results: Sequence[QuestionResult], cmrc: bool = False) -> dict[str, float | None]:
    answered = [r for r in results if r.answered]
    answerable = [r for r in answered if r.gold.answerable]
    refused = [bool(r.refused) for r in answered]
    unanswerable = [not r.gold.answerable for r in answered]
    out = {
        "accuracy": mean(r.correct for r in answered),
        "char_f1": mean(char_f1(_prediction(r), r.gold.answers) for r in answerable),
        "refusal_precision": refusal_precision(refused, unanswerable),
        "refusal_recall": refusal_recall(refused, unanswerable),
        "citation_support": mean(r.cited_support for r in answerable if not r.refused),
    }
    if cmrc:
        out["cmrc_em"] = mean(cmrc_em(_prediction(r), r.gold.answers) for r in answerable)
        out["cmrc_f1"] = mean(cmrc_f1(_prediction(r), r.gold.answers) for r in answerable)
    return _rounded(out)


def latency_metrics(results: Sequence[QuestionResult]) -> dict[str, float | None]:
    """p50/p95 of each stage; with a model, also of the first text shown, the prompt and the
    answer tokens, and the model's prompt-reading and answer-writing rates (tokens/s over all
    model calls)."""
    out = {}
    for stage in ("retrieve", "total"):
        values = [r.latency_ms.get(stage) for r in results]
        out[f"{stage}_p50"], out[f"{stage}_p95"] = percentile(values, 50), percentile(values, 95)
    modelled = [r for r in results if r.tokens and any(r.tokens.values())]
    if not modelled:
        return _rounded(out, 1)
    first = [r.latency_ms.get("first_token") for r in results if r.latency_ms.get("first_token") is not None]
    out["first_token_p50"], out["first_token_p95"] = percentile(first, 50), percentile(first, 95)
    for key in ("prompt", "completion"):
        out[f"{key}_tokens_p50"] = percentile([(r.tokens or {}).get(key, 0) for r in modelled], 50)
    for key, stage in (("prompt", "prefill"), ("completion", "decode")):
        seconds = sum(r.latency_ms.get(stage) or 0.0 for r in modelled) / 1000
        out[f"{key}_tokens_per_s"] = sum((r.tokens or {}).get(key, 0) for r in modelled) / seconds if seconds else None
    return _rounded(out, 1)


def _block(results: Sequence[QuestionResult], cmrc: bool) -> dict[str, Any]:
    return {
        "n": len(results),
        "retrieval": retrieval_metrics(results),
        "answer": answer_metrics(results, cmrc),
        "latency_ms": latency_metrics(results),
    }


def by_type(results: Sequence[QuestionResult], cmrc: bool = False) -> dict[str, dict[str, Any]]:
    labels = sorted({r.gold.label for r in results})
    return {label: _block([r for r in results if r.gold.label == label], cmrc) for label in labels}


def by_kind(results: Sequence[QuestionResult], cmrc: bool = False) -> dict[str, dict[str, Any]]:
    """The same figures by what each question asks for (rag.answer.question.asked_kind: who,
    where, when, which organization or work, how many; `open` for the rest)."""
    from rag.answer.question import asked_kind

    kinds = {id(r): asked_kind(r.gold.question) or "open" for r in results}
    return {kind: _block([r for r in results if kinds[id(r)] == kind], cmrc) for kind in sorted(set(kinds.values()))}


def faq_figures(results: Sequence[QuestionResult]) -> dict[str, int]:
    """How often an FAQ entry's approved answer was given, and how often that was right."""
    fired = [r for r in results if r.mode == "faq"]
    return {"fired": len(fired), "right": sum(bool(r.correct) for r in fired)}


def summarize(
    results: Sequence[QuestionResult], config: dict[str, Any] | None = None, cmrc: bool = False
) -> dict[str, Any]:
    """The whole metrics.json object."""
    return {
        **_block(results, cmrc),
        "by_type": by_type(results, cmrc),
        "by_kind": by_kind(results, cmrc),
        "faq": faq_figures(results),
        "config": dict(config or {}),
    }
