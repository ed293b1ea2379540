"""Speed benchmark: index build throughput and search latency with the models loaded.

    result = run_bench(["seeds/"], config, questions)   # builds a fresh index in a temporary folder
    print(result.table())

Model loading is timed apart from the build, and one warm-up query runs before latencies are
measured, so the numbers describe a running system rather than a cold start."""

from __future__ import annotations

import json
import resource
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, ParamSpec, Sequence

import numpy as np

from rag.config import Config
from rag.errors import RagError


@dataclass
class BenchResult:
    index_dir: str
    documents: int = 0
    chunks: int = 0
    model_load_s: float = 0.0
    build_s: float | None = None  # None when an existing index was measured
    chunks_per_s: float | None = None
    queries: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)  # {side}_p50 / {side}_p95
    peak_rss_mb: float = 0.0
    precision: dict[str, Any] = field(default_factory=dict)  # race_precisions(): fp32 against the route

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> str:
        rows = [
            ("index", self.index_dir),
            ("documents / chunks", f"{self.documents} / {self.chunks}"),
            ("embedding model load", f"{self.model_load_s:.1f} s"),
        ]
        if self.build_s is not None:
            rows.append(("index build", f"{self.build_s:.1f} s = {self.chunks_per_s:.1f} chunks/s"))
        for side in ("search", "bm25", "dense"):
            if f"{side}_p50" in self.latency_ms:
                rows.append(
                    (
                        f"{side} latency p50 / p95",
                        f"{self.latency_ms[side + '_p50']:.1f} / {self.latency_ms[side + '_p95']:.1f} ms",
                    )
                )
        if race := self.precision:
            speeds = race["chunks_per_s"]
            rows.append(("embedding route", f"{race['route']} ({race['reason']})"))
            rows.append(
                (
                    f"embedding chunks/s, {race['rounds']} alternating rounds",
                    " / ".join(f"{p} {v:.1f}" for p, v in speeds.items()) + f" = {race['ratio']:.2f}x fp32",
                )
            )
        rows += [("queries timed", str(self.queries)), ("peak memory (RSS)", f"{self.peak_rss_mb:.0f} MB")]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def read_questions(path: str | Path, limit: int | None = None) -> list[str]:
    """Questions from a gold set (JSON Lines with "question") or a text file, one per line."""
    lines = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [json.loads(line)["question"] if line.startswith("{") else line for line in lines]
    if not questions:
        raise RagError(f"{path} holds no questions: give a gold set (.jsonl) or one question per line")
    return questions[:limit] if limit else questions


P = ParamSpec("P")


def _timed(fn: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> float:
    """Milliseconds that fn(*args, **kwargs) takes."""
    start = time.perf_counter()
    fn(*args, **kwargs)
    return (time.perf_counter() - start) * 1000


def _percentiles(samples: dict[str, list[float]]) -> dict[str, float]:
    out = {}
    for side, values in samples.items():
        out[f"{side}_p50"] = round(float(np.percentile(values, 50)), 2)
        out[f"{side}_p95"] = round(float(np.percentile(values, 95)), 2)
    return out


def measure_search(retriever, questions: Sequence[str], k: int) -> dict[str, float]:
    depth = k * retriever.config.fetch_factor
    retriever.search(questions[0], k)  # warm-up: first-call allocations are not steady state
    samples: dict[str, list[float]] = {"search": [], "bm25": [], "dense": []}
    for q in questions:
        samples["search"].append(_timed(retriever.search, q, k))
        samples["bm25"].append(_timed(retriever.sparse, q, depth))
        samples["dense"].append(_timed(retriever.dense, q, depth))
    return _percentiles(samples)


def race_precisions(texts: Sequence[str], config: Config, route, rounds: int = 2) -> dict[str, Any]:
    """Embed `texts` at fp32 and with `route` (the embedder at the configured embed_precision,
    already loaded) in alternating rounds, fp32 first in odd rounds and second in even ones, so a
    machine that slows down or speeds up during the run weighs on both alike; chunks/s of each
    and the route's ratio to fp32."""
    from rag.models.embedder import make_embedder
    from rag.models.precision import choose

    contenders = {"fp32": route if route.precision == "fp32" else make_embedder(config, precision="fp32")}
    if route.precision != "fp32":
        contenders[route.precision] = route
    seconds = dict.fromkeys(contenders, 0.0)
    for embedder in contenders.values():
        embedder.encode_documents(texts[:2])  # load and warm up outside the clock
    for r in range(rounds):
        for name in list(contenders) if r % 2 == 0 else list(reversed(contenders)):
            seconds[name] += _timed(contenders[name].encode_documents, texts) / 1000
    speeds = {name: round(rounds * len(texts) / max(s, 1e-9), 2) for name, s in seconds.items()}
    return {
        "route": route.precision,
        "reason": choose(config.embed_precision).reason,
        "rounds": rounds,
        "chunks": len(texts),
        "chunks_per_s": speeds,
        "ratio": round(speeds[route.precision] / speeds["fp32"], 3),
    }


def run_bench(
    paths: Sequence[str | Path],
    config: Config,
    questions: Sequence[str],
    index_dir: Path | None = None,
    k: int | None = None,
    rounds: int = 2,
) -> BenchResult:
    """Build a fresh index from `paths` (into `index_dir`, else a temporary folder) and time it,
    race fp32 against the configured precision on its chunks (`rounds`, 0 for none), then time
    searches; with no `paths`, only time searches on the existing `index_dir`."""
    from rag.index import load_index, update_index
    from rag.models.embedder import make_embedder
    from rag.retrieval.retriever import Retriever

    if not questions:
        raise RagError("no questions to time: pass --queries FILE")
    scratch: Path | None = None
    if index_dir is None:
        scratch = Path(tempfile.mkdtemp(prefix="rag-bench-"))
        folder = scratch / "index"
    else:
        folder = Path(index_dir)
    result = BenchResult(index_dir=str(folder))
    try:
        embedder = make_embedder(config)
        result.model_load_s = _timed(embedder.encode_query, "预热") / 1000
        if paths:
            report = update_index(paths, folder, config, embedder, rebuild=True)
            result.build_s = round(report.seconds, 2)
            result.chunks_per_s = round(report.chunks / max(report.seconds, 1e-9), 2)
        index = load_index(folder, config)
        result.documents, result.chunks = len(index.manifest.documents), len(index)
        if paths and rounds:
            result.precision = race_precisions([c.index_text for c in index.store.chunks], config, embedder, rounds)
        result.latency_ms = measure_search(Retriever(index, embedder, config), questions, k or config.top_k)
        result.queries = len(questions)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result
