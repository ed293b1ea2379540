"""PNG plots for report.md, drawn with matplotlib's object API (no pyplot state, no display):
the hit@k curve, the latency histogram and the scores by question type."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from rag.evaluation.metrics import hit_at
from rag.evaluation.records import QuestionResult

HIT_CURVE = "hit_at_k.png"
LATENCY = "latency.png"
BY_TYPE = "by_type.png"


def _figure(width: float = 6.4, height: float = 4.0):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    return figure, figure.subplots()


def _legend(ax, loc: str) -> None:
    if ax.get_legend_handles_labels()[0]:  # an empty run has nothing to label
        ax.legend(loc=loc)


def _save(figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, format="png")
    return path


def plot_hit_curve(results: Sequence[QuestionResult], path: Path, max_k: int = 10) -> Path:
    figure, ax = _figure()
    ks = list(range(1, max_k + 1))
    doc_ranks = [r.doc_rank for r in results if r.gold.docs]
    answer_ranks = [r.answer_rank for r in results if r.gold.answers]
    for ranks, label, style in ((doc_ranks, "gold document", "o-"), (answer_ranks, "answer in passage", "s--")):
        if ranks:
            ax.plot(ks, [hit_at(ranks, k) for k in ks], style, label=f"{label} (n={len(ranks)})")
    ax.set(xlabel="k (passages retrieved)", ylabel="share of questions", title="hit@k", ylim=(0, 1.02), xticks=ks)
    ax.grid(alpha=0.3)
    _legend(ax, "lower right")
    return _save(figure, path)


def plot_latency(results: Sequence[QuestionResult], path: Path) -> Path:
    """One histogram per stage (retrieval takes milliseconds, generation seconds). Outliers beyond
    twice the 99th percentile are left out, so one slow question does not squash the rest into
    a single bar."""
    from matplotlib.figure import Figure

    stages = [
        (s, [v for v in (r.latency_ms.get(s) for r in results) if v is not None]) for s in ("retrieve", "generate")
    ]
    stages = [(s, v) for s, v in stages if v] or [("retrieve", [])]
    figure = Figure(figsize=(6.4 * len(stages) / 1.3, 4.0), dpi=100)
    for ax, (stage, values) in zip(figure.subplots(1, len(stages), squeeze=False)[0], stages, strict=True):
        top = max(values, default=1.0)
        if values and top > 2 * np.percentile(values, 99):
            top = float(np.percentile(values, 99))
        shown = [v for v in values if v <= top]
        color = "tab:blue" if stage == "retrieve" else "tab:orange"
        ax.hist(shown, bins=30, range=(0, top * 1.02 or 1.0), color=color)
        ax.set(
            xlabel="milliseconds",
            ylabel="questions",
            title=f"{stage}: n={len(values)}"
            + (f", {len(values) - len(shown)} slower not shown" if len(shown) < len(values) else ""),
        )
    return _save(figure, path)


def plot_by_type(metrics: dict[str, Any], path: Path) -> Path:
    figure, ax = _figure(max(6.4, 1.2 * len(metrics["by_type"]) + 2))
    labels = list(metrics["by_type"])
    series = [
        ("hit@5", "retrieval", "hit@5"),
        ("answer hit@5", "retrieval", "answer_hit@5"),
        ("accuracy", "answer", "accuracy"),
    ]
    series = [s for s in series if any(metrics["by_type"][t][s[1]][s[2]] is not None for t in labels)]
    width = 0.8 / max(1, len(series))
    for i, (name, group, key) in enumerate(series):
        values = [metrics["by_type"][t][group][key] or 0.0 for t in labels]
        ax.bar([x + i * width for x in range(len(labels))], values, width, label=name)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(labels))], labels)
    # headroom above 1.0 keeps the legend off the bars
    ax.set(
        ylabel="share of questions", title="scores by question type", ylim=(0, 1.2), yticks=[0, 0.2, 0.4, 0.6, 0.8, 1]
    )
    if series:
        ax.legend(loc="upper center", ncol=len(series), frameon=False)
    return _save(figure, path)


def draw_all(metrics: dict[str, Any], results: Sequence[QuestionResult], folder: Path) -> dict[str, Path]:
    return {
        "hit": plot_hit_curve(results, folder / HIT_CURVE),
        "latency": plot_latency(results, folder / LATENCY),
        "by_type": plot_by_type(metrics, folder / BY_TYPE),
    }
