"""`rag serve` with the real models: the real e5 index of the seeds and the real 0.5B generator,
asked through the real `openai` package, streamed and not (the bar of issue 14)."""

from __future__ import annotations

import openai
import pytest
from server_harness import SEEDS

from rag.knowledge import KnowledgeBases
from rag.server.app import create_app
from rag.server.run import start

TENG = "藤县的贫困发生率下降到了多少?"


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


@pytest.mark.models
def test_the_real_model_answers_the_openai_client_with_a_cited_figure(models_config, tmp_path_factory):
    config = models_config.replace(knowledge_bases_dir=str(tmp_path_factory.mktemp("real") / "indexes"),
                                   generator="qwen2.5-coder-0.5b-instruct")
    bases = KnowledgeBases(config)
    bases.create("default").index([SEEDS])
    running = start(create_app(config, page=False, bases=bases))
    try:
        ai = openai.OpenAI(base_url=f"{running.url}/v1", api_key="x", max_retries=0, timeout=300)
        reply = ai.chat.completions.create(model="default", messages=user(TENG))
        assert "0.59%" in reply.choices[0].message.content
        assert any("0.59%" in c["text"] for c in reply.model_extra["citations"])
        chunks = list(ai.chat.completions.create(model="default", messages=user(TENG), stream=True))
        assert "0.59%" in "".join(c.choices[0].delta.content or "" for c in chunks)
        assert any("0.59%" in c["text"] for c in chunks[-1].model_extra["citations"])
    finally:
        running.stop()
