"""A generator that remembers: each answer the wrapped model gave, keyed by everything that
decides it (model, messages, length, stop strings), is kept in a JSON-lines file and replayed
when the same prompt comes again. With temperature 0 a replayed answer is the one the model
would give, so a change to verification or refusal rules is measured over a whole gold set in
minutes instead of an hour (`rag eval --generation-cache FILE`). A changed prompt is a new key:
the model runs for it. Timings and token counts of a replayed answer are not the model's."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Iterator, Sequence

from rag.models.llm import ChatMessage, Generator, Usage, Weighing


def prompt_key(name: str, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str]) -> str:
    blob = json.dumps([name, list(messages), max_tokens, list(stop)], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


class ReplayGenerator:
    """Wraps a Generator; answers a known prompt from `path`, else asks the model and records the
    whole answer (read to the end even when the caller stops early, so a replay is complete)."""

    def __init__(self, inner: Generator, path: str | Path):
        self.inner = inner
        self.name = inner.name
        self.path = Path(path)
        self.replayed = 0
        self._lock = threading.Lock()
        self._answers = self._read()

    @property
    def n_ctx(self) -> int:
        return self.inner.n_ctx

    @property
    def last_usage(self) -> Usage:
        return self.inner.last_usage

    def _read(self) -> dict[str, str]:
        if not self.path.is_file():
            return {}
        answers = {}
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if line.strip():  # a line cut short by a crash is skipped, not fatal
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                answers[record["key"]] = record["text"]
        return answers

    def _record(self, key: str, text: str) -> None:
        with self._lock:
            self._answers[key] = text
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"key": key, "text": text}, ensure_ascii=False) + "\n")

    def stream(self, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        key = prompt_key(self.name, messages, max_tokens, stop)
        if key in self._answers:
            self.replayed += 1
            yield self._answers[key]
            return
        pieces: list[str] = []
        inner = self.inner.stream(messages, max_tokens, stop)
        try:
            for piece in inner:
                pieces.append(piece)
                yield piece
        except GeneratorExit:  # the caller stopped early: read the rest so the record is whole
            pieces.extend(inner)
            self._record(key, "".join(pieces))
            raise
        self._record(key, "".join(pieces))  # a model error propagates and records nothing

    def generate(self, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str] = ()) -> str:
        return "".join(self.stream(messages, max_tokens, stop))

    def odds(self, messages: Sequence[ChatMessage], words: Sequence[str]) -> dict[str, float]:
        """The wrapped model's odds (rag.models.llm.llama_cpp), remembered like answers."""
        key = prompt_key(self.name, messages, 0, ["odds", *words])
        if key in self._answers:
            self.replayed += 1
            return json.loads(self._answers[key])
        if not isinstance(self.inner, Weighing):  # as calling the missing method would
            raise AttributeError(f"{type(self.inner).__name__!r} object has no attribute 'odds'")
        found = self.inner.odds(messages, words)
        self._record(key, json.dumps(found))
        return found
