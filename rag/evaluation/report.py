"""report.md: the figures of metrics.json as tables, the plots, and the worst failures quoted
with what was retrieved, so a reader sees why a question failed, not only that it did."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from rag.evaluation.aggregate import CMRC_KEYS, KS
from rag.evaluation.metrics import percentile
from rag.evaluation.plots import draw_all
from rag.evaluation.records import MODEL_STAGES, STAGES, QuestionResult

RETRIEVAL_COLUMNS = (
    [(f"hit@{k}", f"hit@{k}") for k in KS]
    + [("MRR@10", "mrr@10")]
    + [(f"ans hit@{k}", f"answer_hit@{k}") for k in KS]
    + [("ans MRR@10", "answer_mrr@10")]
)
ANSWER_COLUMNS = [
    ("accuracy", "accuracy"),
    ("char F1", "char_f1"),
    ("refusal P", "refusal_precision"),
    ("refusal R", "refusal_recall"),
    ("citation support", "citation_support"),
]
QUOTE_CHARS = 140
WORST = 10


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _table(metrics: dict[str, Any], group: str, columns: list[tuple[str, str]], by: str = "by_type") -> list[str]:
    lines = [
        f"| {'type' if by == 'by_type' else 'asks for'} | n | " + " | ".join(name for name, _ in columns) + " |",
        "|---|---:|" + "---:|" * len(columns),
    ]
    rows = [("**all**", metrics)] + list(metrics.get(by, {}).items())
    for label, block in rows:
        cells = [_fmt(block[group].get(key)) for _, key in columns]
        lines.append(f"| {label} | {block['n']} | " + " | ".join(cells) + " |")
    return lines


def _latency_table(results: Sequence[QuestionResult]) -> list[str]:
    lines = ["| stage | p50 | p95 | max |", "|---|---:|---:|---:|"]
    for stage in STAGES + MODEL_STAGES:
        values = [v for v in (r.latency_ms.get(stage) for r in results) if v is not None]
        if values:
            lines.append(
                f"| {stage} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} | {max(values):.1f} |"
            )
    if any(r.tokens for r in results):
        lines += [
            "",
            "first_token: the first verified text shown; prefill / decode: the model reading the "
            "prompt / writing the answer (all its calls for the question).",
        ]
    return lines


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_CHARS else flat[:QUOTE_CHARS] + "…"


def _rank(rank: int | None) -> str:
    return "miss" if rank is None else str(rank)


def _failure(result: QuestionResult, show: int = 3) -> list[str]:
    g = result.gold
    lines = [
        f"**{g.id}** ({g.label}) {g.question}  ",
        f"gold docs: {', '.join(f'`{d}`' for d in g.docs) or '–'} · answers: "
        f"{' / '.join(g.answers) or '(none: should refuse)'} · doc rank: {_rank(result.doc_rank)}"
        f" · answer rank: {_rank(result.answer_rank)}  ",
    ]
    if result.answered:
        verdict = "refused" if result.refused else f"answered: {_quote(result.answer or '')}"
        cited = ", ".join(f"[{c.n}] `{c.doc}`" for c in result.citations or ()) or "none"
        lines.append(f"{verdict} · cited: {cited}  ")
    for i, passage in enumerate(result.retrieved[:show], start=1):
        lines.append(f"{i}. `{passage.doc}` ({_fmt(passage.score)}) {_quote(passage.text)}")
    return lines + [""]


def retrieval_failures(results: Sequence[QuestionResult]) -> list[QuestionResult]:
    """Questions whose gold document is not first, worst (missing, then lowest) first."""
    misses = [r for r in results if r.gold.docs and (r.doc_rank or 99) > 1]
    return sorted(misses, key=lambda r: (-(r.doc_rank or 99), -(r.answer_rank or 99), r.gold.id))


def answer_failures(results: Sequence[QuestionResult]) -> list[QuestionResult]:
    """Wrong answers; invented answers to unanswerable questions and wrong facts before refusals."""
    wrong = [r for r in results if r.correct is False]
    return sorted(wrong, key=lambda r: (bool(r.refused), r.doc_rank is not None, r.gold.id))


def _header(metrics: dict[str, Any]) -> list[str]:
    run = metrics["config"].get("run", {})
    mode = "retrieval only" if run.get("retrieval_only") else "retrieval + answers"
    lines = [
        f"# rag eval: {run.get('name', 'evaluation')}",
        "",
        f"{metrics['n']} questions · {mode} · gold `{run.get('gold', '?')}` · index "
        f"`{metrics['config'].get('index_dir', '?')}` · {run.get('finished', '')}",
        "",
    ]
    if run.get("interrupted"):
        lines += [f"**Interrupted**: {metrics['n']} of {run.get('questions')} questions were evaluated.", ""]
    if run.get("command"):
        lines += ["Reproduce: `" + run["command"] + "`", ""]
    return lines


def render_report(metrics: dict[str, Any], results: Sequence[QuestionResult], plots: dict[str, Path]) -> str:
    answer_columns = ANSWER_COLUMNS + [(k.replace("_", " ").upper(), k) for k in CMRC_KEYS if k in metrics["answer"]]
    lines = _header(metrics) + ["## Retrieval", ""] + _table(metrics, "retrieval", RETRIEVAL_COLUMNS)
    lines += [
        "",
        "hit@k: a gold document among the first k passages; ans hit@k: an acceptable answer string inside one of them.",
        "",
        f"![hit@k]({plots['hit'].name})",
        "",
    ]
    if any(r.answered for r in results):
        lines += ["## Answers", ""] + _table(metrics, "answer", answer_columns) + [""]
        lines += ["By what the question asks for (who, where, when, …; `open`: why, how, what):", ""]
        lines += _table(metrics, "answer", answer_columns, by="by_kind") + [""]
        if (faq := metrics.get("faq")) and faq["fired"]:
            lines += [
                f"FAQ entries answered {faq['fired']} questions with their approved answer, "
                f"{faq['right']} of them right.",
                "",
            ]
    lines += [f"![scores by type]({plots['by_type'].name})", "", "## Latency (ms)", ""]
    lines += _latency_table(results) + ["", f"![latency]({plots['latency'].name})", ""]
    lines += ["## Worst failures", "", "### Retrieval: gold document not ranked first", ""]
    misses = retrieval_failures(results)
    lines += [line for r in misses[:WORST] for line in _failure(r)] or ["None.", ""]
    if any(r.answered for r in results):
        lines += ["### Answers: wrong or wrongly refused", ""]
        lines += [line for r in answer_failures(results)[:WORST] for line in _failure(r)] or ["None.", ""]
    return "\n".join(lines)


def write_report(folder: Path, metrics: dict[str, Any], results: Sequence[QuestionResult]) -> Path:
    plots = draw_all(metrics, results, folder)
    path = folder / "report.md"
    path.write_text(render_report(metrics, results, plots), encoding="utf-8")
    return path
