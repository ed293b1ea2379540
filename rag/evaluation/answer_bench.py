"""Answer latency, configurations side by side (`rag bench --answers GOLD --variant NAME:KEY=VALUE,...`).

Each variant is a pipeline of its own over the same index (its own model loaded, with its
settings); the questions are asked of every variant in turn, the order rotating question by
question, so the machine's state (another job, the CPU's clock) weighs on all alike. Per variant:
when the passages being read were ready (first sources), when the first answer text was shown,
the whole answer, the prompt's tokens and the model's prefill and decode time, p50 and p95; and
how many answers are the same text as the first variant's, so an option that changes answers
shows. A variant that changes an engine setting loads a model of its own; variants that differ only
in how the prompt is built share one, so an identical prompt asked twice in a row is read from
llama.cpp's cache the second time."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from rag.config import Config
from rag.errors import ConfigError

MEASURES = ("first_sources", "first_token", "total", "prefill", "decode")


@dataclass(frozen=True)
class Variant:
    name: str
    changes: dict[str, str]


def parse_variant(text: str) -> Variant:
    """'flash:llm_flash_attn=true,llm_batch=1024' -> Variant('flash', {...}); 'base' alone is the
    settings as they are."""
    name, _, rest = text.partition(":")
    changes = {}
    for pair in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"variant '{text}': write NAME:SETTING=VALUE,SETTING=VALUE")
        changes[key.strip()] = value.strip()
    if not name.strip():
        raise ConfigError(f"variant '{text}' has no name: write NAME:SETTING=VALUE")
    return Variant(name.strip(), changes)


def _summary(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {}
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
    }


def race_answers(
    index_dir: Path, config: Config, questions: Sequence[str], variants: Sequence[Variant]
) -> dict[str, Any]:
    from rag.pipeline import Rag

    rags = {v.name: Rag(config.replace(index_dir=str(index_dir), **v.changes)) for v in variants}
    for rag in rags.values():
        rag.ask(questions[0])  # loads the models; not timed
    runs: dict[str, list[dict[str, Any]]] = {v.name: [] for v in variants}
    names = [v.name for v in variants]
    for i, question in enumerate(questions):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            started = time.perf_counter()
            answer = rags[name].ask(question, on_sources=lambda _passages: None)
            runs[name].append(
                {
                    "timings": dict(answer.timings_ms),
                    "wall": (time.perf_counter() - started) * 1000,
                    "prompt": answer.tokens.get("prompt", 0),
                    "text": answer.text,
                    "refused": answer.refused,
                }
            )
    first = runs[names[0]]
    result: dict[str, Any] = {"questions": len(questions), "variants": {}}
    for name in names:
        done = runs[name]
        row: dict[str, Any] = {m: _summary([r["timings"][m] for r in done if m in r["timings"]]) for m in MEASURES}
        row["prompt_tokens"] = _summary([r["prompt"] for r in done if r["prompt"]])
        row["refused"] = sum(r["refused"] for r in done)
        row["same_answer"] = sum(a["text"] == b["text"] for a, b in zip(done, first, strict=False))
        row["changes"] = next(v.changes for v in variants if v.name == name)
        result["variants"][name] = row
    return result


def answers_table(result: dict[str, Any]) -> str:
    head = f"{'variant':<14}" + "".join(f"{m + ' p50/p95 ms':>28}" for m in MEASURES)
    lines = [f"{result['questions']} questions, each asked of every variant in turn", head]
    for name, row in result["variants"].items():
        cells = "".join(f"{row[m].get('p50', 0):>18.0f} / {row[m].get('p95', 0):>7.0f}" for m in MEASURES)
        lines.append(f"{name[:14]:<14}{cells}")
    lines.append("")
    for name, row in result["variants"].items():
        tokens = row["prompt_tokens"]
        lines.append(
            f"{name}: prompt tokens p50 {tokens.get('p50', 0):.0f} / p95 {tokens.get('p95', 0):.0f}; "
            f"refused {row['refused']}; same answer as the first variant {row['same_answer']}"
            f"/{result['questions']}; settings {row['changes'] or 'as configured'}"
        )
    return "\n".join(lines)
