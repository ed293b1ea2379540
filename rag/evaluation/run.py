"""Run a gold set through a pipeline and write the outputs docs/evaluation.md lists
("Outputs"): results.jsonl (one line per question, written as it is done), metrics.json and
report.md with its plots. The pipeline is a parameter, so tests drive a scripted one.

    run = evaluate(read_gold("eval/gold_seeds.jsonl"), Rag(config), Path("eval/runs/x"))

Ctrl-C stops at once: the questions already finished are kept and scored, the one under way
is dropped."""

from __future__ import annotations

import datetime as _dt
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Sequence

from rag.errors import RagError
from rag.evaluation.aggregate import summarize
from rag.evaluation.gold import GoldItem
from rag.evaluation.records import QuestionResult, answer_result, result_lines, retrieval_result
from rag.evaluation.report import write_report
from rag.types import Answer, Hit

OUTPUTS = ("results.jsonl", "metrics.json", "report.md")


class Pipeline(Protocol):
    """What evaluation needs of rag.pipeline.Rag."""

    def search(self, question: str, k: int | None = None) -> list[Hit]: ...

    def ask(self, question: str) -> Answer: ...


@dataclass(frozen=True)
class EvalOptions:
    retrieval_only: bool = False
    k: int = 10  # passages kept per question for the retrieval metrics (hit@1..10, MRR@10)
    cmrc: bool = False  # also score answers with the official CMRC 2018 EM/F1
    show_progress: bool = True
    warm_up: bool = True  # load the models before the clock starts, so latency is per question


@dataclass(frozen=True)
class EvalRun:
    out_dir: Path
    metrics: dict[str, Any]
    results: tuple[QuestionResult, ...]
    interrupted: bool


def evaluate_one(pipeline: Pipeline, item: GoldItem, options: EvalOptions) -> QuestionResult:
    start = time.perf_counter()
    hits = pipeline.search(item.question, k=options.k)
    retrieve_ms = (time.perf_counter() - start) * 1000
    if options.retrieval_only:
        return retrieval_result(item, hits, retrieve_ms)
    return answer_result(item, hits, pipeline.ask(item.question))


def warm_up(pipeline: Pipeline, item: GoldItem, options: EvalOptions) -> float:
    """One untimed pass over the first question: models load lazily on first use, and a
    several-second load should not count as that question's latency. Returns its milliseconds."""
    start = time.perf_counter()
    pipeline.search(item.question, k=options.k)
    if not options.retrieval_only:
        pipeline.ask(item.question)
    return round((time.perf_counter() - start) * 1000, 1)


class _Progress:
    """A tqdm bar showing the running hit@5 and accuracy."""

    def __init__(self, total: int, enabled: bool):
        from tqdm import tqdm

        # disable=None: no bar when stderr is not a terminal (logs of background runs stay readable)
        self.bar = tqdm(
            total=total, desc="eval", unit="q", file=sys.stderr, disable=None if enabled else True, dynamic_ncols=True
        )
        self.done = self.hits = self.correct = 0

    def update(self, result: QuestionResult) -> None:
        self.done += 1
        self.hits += result.doc_rank is not None and result.doc_rank <= 5
        self.correct += bool(result.correct)
        postfix = {"hit@5": f"{self.hits / self.done:.2f}"}
        if result.answered:
            postfix["acc"] = f"{self.correct / self.done:.2f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def write_outputs(
    out_dir: Path, results: Sequence[QuestionResult], settings: dict[str, Any], options: EvalOptions
) -> dict[str, Any]:
    metrics = summarize(results, settings, cmrc=options.cmrc)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    write_report(out_dir, metrics, results)
    return metrics


def _settings(
    settings: dict[str, Any] | None, options: EvalOptions, total: int, done: int, warm_up_ms: float | None
) -> dict[str, Any]:
    settings = dict(settings or {})
    run = dict(settings.get("run") or {})
    run.update(
        retrieval_only=options.retrieval_only,
        k=options.k,
        questions=total,
        warm_up_ms=warm_up_ms,
        interrupted=done < total,
        finished=_dt.datetime.now().isoformat(timespec="seconds"),
    )
    return {**settings, "run": run}


def _run_questions(
    items: Sequence[GoldItem], pipeline: Pipeline, out_dir: Path, options: EvalOptions, results: list[QuestionResult]
) -> None:
    """Appends to `results` (and to results.jsonl, line by line) as questions finish."""
    progress = _Progress(len(items), options.show_progress)
    try:
        with (out_dir / "results.jsonl").open("w", encoding="utf-8") as fh:
            for item in items:
                result = evaluate_one(pipeline, item, options)
                fh.writelines(result_lines([result]))
                fh.flush()
                results.append(result)
                progress.update(result)
    finally:
        progress.close()


def evaluate(
    items: Sequence[GoldItem],
    pipeline: Pipeline,
    out_dir: str | Path,
    options: EvalOptions = EvalOptions(),
    settings: dict[str, Any] | None = None,
) -> EvalRun:
    """`settings` goes into metrics.json as "config" (the Config's fields, plus a "run" table)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.jsonl").write_text("", encoding="utf-8")
    for name in OUTPUTS[1:]:
        (out_dir / name).unlink(missing_ok=True)  # never leave a stale score beside new results
    results: list[QuestionResult] = []
    warm_up_ms = None

    def finish() -> dict[str, Any]:
        return write_outputs(
            out_dir, results, _settings(settings, options, len(items), len(results), warm_up_ms), options
        )

    try:
        if options.warm_up and items:
            warm_up_ms = warm_up(pipeline, items[0], options)
        _run_questions(items, pipeline, out_dir, options, results)
    except KeyboardInterrupt:
        pass  # keep what is done: it is scored below like a finished run, marked interrupted
    except RagError:
        finish()
        raise
    return EvalRun(out_dir, finish(), tuple(results), interrupted=len(results) < len(items))
