"""`rag eval --compare RUN_A RUN_B`: what changed between two evaluation runs, as metric deltas
and the questions whose correctness or gold-document rank moved. Reads only the run folders."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import EvalError
from rag.evaluation.records import QuestionResult, read_results

GROUPS = ("retrieval", "answer", "latency_ms")
SHOW_QUESTIONS = 100


@dataclass(frozen=True)
class Run:
    folder: Path
    metrics: dict[str, Any]
    results: tuple[QuestionResult, ...]


@dataclass(frozen=True)
class MetricDelta:
    name: str  # e.g. "retrieval.hit@5" or "by_type.fact.answer.accuracy"
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a


@dataclass(frozen=True)
class QuestionChange:
    id: str
    question: str
    what: str  # e.g. "correct: yes -> no; doc rank: 1 -> miss"
    worse: bool


@dataclass(frozen=True)
class Comparison:
    a: Run
    b: Run
    deltas: tuple[MetricDelta, ...]
    changes: tuple[QuestionChange, ...]
    common: int  # questions present in both runs


def load_run(folder: str | Path) -> Run:
    folder = Path(folder)
    path = folder / "metrics.json"
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise EvalError(f"{path}: missing or unreadable; pass a run folder written by `rag eval --out DIR`") from None
    return Run(folder, metrics, tuple(read_results(folder / "results.jsonl")))


def _flatten(metrics: dict[str, Any], prefix: str = "") -> dict[str, float | None]:
    return {f"{prefix}{group}.{key}": value for group in GROUPS for key, value in (metrics.get(group) or {}).items()}


def metric_deltas(a: dict[str, Any], b: dict[str, Any]) -> list[MetricDelta]:
    flat_a, flat_b = _flatten(a), _flatten(b)
    for group in ("by_type", "by_kind"):
        for label in sorted(set(a.get(group, {})) | set(b.get(group, {}))):
            flat_a.update(_flatten(a.get(group, {}).get(label, {}), f"{group}.{label}."))
            flat_b.update(_flatten(b.get(group, {}).get(label, {}), f"{group}.{label}."))
    names = list(dict.fromkeys([*flat_a, *flat_b]))
    return [MetricDelta(n, flat_a.get(n), flat_b.get(n)) for n in names]


def _rank(rank: int | None) -> float:
    return float("inf") if rank is None else rank


def question_change(a: QuestionResult, b: QuestionResult) -> QuestionChange | None:
    """Correctness decides whether a change is for the worse; the rank only when it is all that moved."""
    parts, worse = [], None
    if a.correct is not None and b.correct is not None and a.correct != b.correct:
        parts.append(f"correct: {'yes' if a.correct else 'no'} -> {'yes' if b.correct else 'no'}")
        worse = bool(a.correct)
    if a.gold.docs and a.doc_rank != b.doc_rank:
        parts.append(f"doc rank: {a.doc_rank or 'miss'} -> {b.doc_rank or 'miss'}")
        worse = _rank(b.doc_rank) > _rank(a.doc_rank) if worse is None else worse
    if not parts:
        return None
    return QuestionChange(a.gold.id, a.gold.question, "; ".join(parts), bool(worse))


def compare_runs(folder_a: str | Path, folder_b: str | Path) -> Comparison:
    a, b = load_run(folder_a), load_run(folder_b)
    b_by_id = {r.gold.id: r for r in b.results}
    pairs = [(r, b_by_id[r.gold.id]) for r in a.results if r.gold.id in b_by_id]
    changes = [c for c in (question_change(x, y) for x, y in pairs) if c is not None]
    changes.sort(key=lambda c: (not c.worse, c.id))
    return Comparison(a, b, tuple(metric_deltas(a.metrics, b.metrics)), tuple(changes), len(pairs))


def _num(value: float | None, sign: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:{sign}.0f}" if abs(value) >= 1000 else f"{value:{sign}.4g}"  # ms stay readable


def format_comparison(c: Comparison, show: int = SHOW_QUESTIONS) -> str:
    lines = [
        f"A: {c.a.folder} ({c.a.metrics.get('n')} questions)",
        f"B: {c.b.folder} ({c.b.metrics.get('n')} questions), {c.common} in common",
        "",
        f"{'metric':<44} {'A':>10} {'B':>10} {'B-A':>10}",
    ]
    for d in c.deltas:
        overall = not d.name.startswith(("by_type.", "by_kind."))
        # per-type latencies only repeat the overall ones with more noise
        if overall or ((d.delta or 0) != 0 and ".latency_ms." not in d.name):
            lines.append(f"{d.name:<44} {_num(d.a):>10} {_num(d.b):>10} {_num(d.delta, '+'):>10}")
    worse = sum(ch.worse for ch in c.changes)
    lines += ["", f"{len(c.changes)} questions changed ({worse} worse, {len(c.changes) - worse} better):"]
    lines += [f"  {'-' if ch.worse else '+'} {ch.id}: {ch.what}  {ch.question}" for ch in c.changes[:show]]
    if len(c.changes) > show:
        lines.append(f"  ... and {len(c.changes) - show} more")
    return "\n".join(lines)
