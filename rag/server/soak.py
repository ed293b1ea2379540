"""A soak of a running server (`rag bench --soak SECONDS`): locust, headless, in a process of its
own, drives the users of rag/server/soak_users.py against the server for a few minutes; the
numbers are locust's own (its stats CSV): requests per second, p50/p95 and failures, per kind of
request and in all."""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

from rag.errors import RagError

USERS_FILE = Path(__file__).with_name("soak_users.py")


def soak(
    url: str,
    key: str,
    seconds: int,
    users: int = 20,
    kb: str = "default",
    questions: Sequence[str] = (),
    ask: bool = False,
) -> dict[str, Any]:
    """Run the soak; {"rows": [per request kind], "total": {...}, "seconds", "users"}."""
    if importlib.util.find_spec("locust") is None:  # never imported here: it patches the standard library
        raise RagError("the soak needs locust: pip install 'locust==2.47.0' (make setup installs it)")
    env = {
        **os.environ,
        "RAG_SOAK_KEY": key,
        "RAG_SOAK_KB": kb,
        "RAG_SOAK_QUESTIONS": "\n".join(questions),
        "RAG_SOAK_ASK": "1" if ask else "0",
    }
    with tempfile.TemporaryDirectory(prefix="rag-soak-") as folder:
        prefix = str(Path(folder) / "soak")
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(USERS_FILE),
            "--headless",
            "--host",
            url,
            "-u",
            str(users),
            "-r",
            str(max(1, users // 2)),
            "-t",
            f"{seconds}s",
            "--csv",
            prefix,
            "--only-summary",
            "--loglevel",
            "ERROR",
            "--exit-code-on-error",
            "0",
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 180)
        stats = Path(prefix + "_stats.csv")
        if not stats.is_file():
            raise RagError(f"locust wrote no stats (exit {done.returncode}): {done.stderr.strip()[-300:]}")
        rows = [_row(r) for r in csv.DictReader(stats.open(encoding="utf-8"))]
        failed = Path(prefix + "_failures.csv")
        errors = (
            [
                f"{r['Method']} {r['Name']}: {r['Error']} (x{r['Occurrences']})"
                for r in csv.DictReader(failed.open(encoding="utf-8"))
            ]
            if failed.is_file()
            else []
        )
    total = next(r for r in rows if r["name"] == "Aggregated")
    return {
        "seconds": seconds,
        "users": users,
        "rows": [r for r in rows if r["name"] != "Aggregated"],
        "total": total,
        "errors": errors,
    }


def _row(row: dict[str, str]) -> dict[str, Any]:
    number = lambda key: float(row.get(key) or 0)  # noqa: E731
    return {
        "name": row["Name"] if row["Type"] in ("", "None") else f"{row['Name']}",
        "requests": int(number("Request Count")),
        "failures": int(number("Failure Count")),
        "rps": round(number("Requests/s"), 1),
        "p50_ms": number("50%"),
        "p95_ms": number("95%"),
    }


def soak_table(result: dict[str, Any]) -> str:
    lines = [
        f"soak: {result['users']} users for {result['seconds']} s",
        f"{'request':<28} {'count':>7} {'fail':>5} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8}",
    ]
    for r in [*result["rows"], {**result["total"], "name": "all"}]:
        lines.append(
            f"{r['name'][:28]:<28} {r['requests']:>7} {r['failures']:>5} {r['rps']:>7} "
            f"{r['p50_ms']:>8.0f} {r['p95_ms']:>8.0f}"
        )
    return "\n".join(lines)
