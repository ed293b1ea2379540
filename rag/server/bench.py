"""Search latency in process and over HTTP, side by side (`rag bench --http`): the same pipeline
object answers both, question by question alternately, so the difference is what the HTTP shell
adds (routing, JSON, the socket) on the same machine state."""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable, ParamSpec, Sequence

P = ParamSpec("P")


def _timed(fn: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> float:
    started = time.perf_counter()
    fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
    }


def race_search(bases: Any, name: str, questions: Sequence[str], k: int | None = None) -> dict[str, Any]:
    """p50/p95 of `Rag.search` and of `POST /v1/search` on a server started here on 127.0.0.1."""
    import httpx

    from rag.server.app import create_app
    from rag.server.run import start

    rag = bases.get(name)
    running = start(create_app(bases.config, page=False, bases=bases))
    local, http_ms = [], []
    try:
        with httpx.Client(base_url=running.url, timeout=120) as http:

            def ask(q: str) -> None:
                http.post("/v1/search", json={"query": q, "k": k, "knowledge_base": name}).raise_for_status()

            rag.search(questions[0], k=k)  # load the index and the model before timing
            ask(questions[0])
            for question in questions:
                local.append(_timed(rag.search, question, k=k))
                http_ms.append(_timed(ask, question))
    finally:
        running.stop()
    inproc, over = _summary(local), _summary(http_ms)
    return {
        "questions": len(questions),
        "knowledge_base": name,
        "in_process_ms": inproc,
        "http_ms": over,
        "http_minus_in_process_p50_ms": round(over["p50"] - inproc["p50"], 1),
    }


def race_table(result: dict[str, Any]) -> str:
    a, b = result["in_process_ms"], result["http_ms"]
    return (
        f"search over {result['questions']} questions on knowledge base {result['knowledge_base']}: "
        f"in process p50 {a['p50']} ms / p95 {a['p95']} ms; over HTTP p50 {b['p50']} ms / p95 {b['p95']} ms "
        f"(p50 +{result['http_minus_in_process_p50_ms']} ms)"
    )
