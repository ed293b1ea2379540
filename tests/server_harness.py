"""A live `rag serve` for tests: the real app on uvicorn at 127.0.0.1 (a free port), over real
knowledge bases (the seeds indexed with the real index code), with the hash embedder of
tests/fakes.py and a fake generator that reads its prompt: it answers with the passage sentence
sharing most characters with the question, cited. So every answer is the answer to its own
question, and a mix-up between concurrent questions shows. The real models are exercised by the
`models` test in tests/test_server.py."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import pytest
from fake_generator import ScriptedGenerator
from fakes import FakeEmbedder

from rag.config import Config
from rag.knowledge import DEFAULT, KnowledgeBases
from rag.server.app import create_app
from rag.server.run import Running, start

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
_PASSAGE = re.compile(r"^\[(\d+)\][^\n]*\n(.*?)(?=\n\n\[\d+\]|\n\n问题：)", re.S | re.M)


def read_prompt(messages: Sequence[dict]) -> str:
    """The passage sentence sharing most characters with the question, with its [n]."""
    user = messages[-1]["content"]
    question = user.split("问题：", 1)[1].split("\n", 1)[0]
    best = (0, "", 0)
    for n, body in _PASSAGE.findall(user):
        for sentence in re.split(r"(?<=[。！？；])", body):
            sentence = sentence.strip().rstrip("。；")
            score = len(set(question) & set(sentence))
            if sentence and score > best[0]:
                best = (score, sentence, int(n))
    return f"{best[1]}[{best[2]}]。" if best[1] else "资料中没有找到相关信息"


def test_config(root: Path, **changes) -> Config:
    """Settings for a test server: knowledge bases under `root`, no model cache, no refusal on
    the hash embedder's low cosines (they are not e5's)."""
    settings = dict(knowledge_bases_dir=str(root / "indexes"), models_dir=str(root / "models"),
                    refuse_min_score=0.0, embed_model="fake-hash", max_file_mb=0.05)
    return Config(**{**settings, **changes})


@contextmanager
def fake_models(generator: ScriptedGenerator | None = None) -> Iterator[ScriptedGenerator]:
    generator = generator or ScriptedGenerator(read_prompt, piece=4)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("rag.models.embedder.make_embedder",
                      lambda config, precision=None: FakeEmbedder(precision=precision or "fp32"))
        patch.setattr("rag.models.llm.make_generator", lambda config, model=None: generator)
        yield generator


@contextmanager
def live_server(root: Path, api_key: str = "", page: bool = False, **changes) -> Iterator[Running]:
    """The server over the seeds (knowledge base `default`), started and stopped around the block."""
    config = test_config(root, **changes)
    bases = KnowledgeBases(config)
    if not bases.exists(DEFAULT):
        bases.create(DEFAULT).index([SEEDS])
    running = start(create_app(config, api_key=api_key, page=page, bases=bases))
    try:
        yield running
    finally:
        running.stop()
