"""`rag bench --answers`: configurations timed side by side on the same questions (a scripted
generator here; the real engine options are measured in eval/notes/latency-and-engine.md)."""

from __future__ import annotations

import pytest
from fake_generator import ScriptedGenerator
from fakes import FakeEmbedder

from rag.cli.main import main
from rag.errors import ConfigError
from rag.evaluation.answer_bench import parse_variant


def test_a_variant_is_a_name_and_settings():
    variant = parse_variant("flash:llm_flash_attn=true, llm_batch=1024")
    assert variant.name == "flash" and variant.changes == {"llm_flash_attn": "true", "llm_batch": "1024"}
    assert parse_variant("base").changes == {}
    with pytest.raises(ConfigError, match="NAME:SETTING=VALUE"):
        parse_variant("x:llm_batch")


def test_every_variant_answers_every_question_and_is_timed_side_by_side(tmp_path, monkeypatch, capsys, seeds_dir):
    monkeypatch.setenv("RAG_EMBED_MODEL", "fake-hash")
    monkeypatch.setenv("RAG_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setattr("rag.models.embedder.make_embedder", lambda config, precision=None: FakeEmbedder())
    monkeypatch.setattr("rag.models.llm.make_generator",
                        lambda config, model=None: ScriptedGenerator("藤县的贫困发生率下降至0.59%[1]。"))
    index = tmp_path / "index"
    assert main(["index", str(seeds_dir), "--index", str(index)]) == 0
    questions = tmp_path / "q.txt"
    questions.write_text("藤县的贫困发生率下降到了多少?\n黔江区在贫困村投入了多少资金?\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["bench", "--answers", str(questions), "--index", str(index), "--variant", "a",
                 "--variant", "b:top_k=3", "--json"]) == 0
    import json

    result = json.loads(capsys.readouterr().out)
    assert result["questions"] == 2 and set(result["variants"]) == {"a", "b"}
    for row in result["variants"].values():
        assert row["first_sources"]["p50"] <= row["total"]["p50"] and row["total"]["p95"] > 0
    assert result["variants"]["a"]["same_answer"] == 2 and result["variants"]["b"]["changes"] == {"top_k": "3"}
