"""`rag ask` through the real CLI entry point: the --json contract of DESIGN.md, streaming output
with the cited passages, the options; fast tests answer from a hand-made corpus with a scripted
generator, the `models` test from a real seeds index with the real 0.5B model."""

from __future__ import annotations

import json

import pytest
from fake_generator import ScriptedGenerator, fake_search
from fakes import FakeEmbedder

from rag.cli.main import main

TENG_Q = "藤县的贫困发生率下降到了多少?"
HIT_KEYS = {"rank", "doc", "title", "section", "chunk_id", "score", "text"}
CITATION_KEYS = {"n", "doc", "title", "section", "chunk_id", "text"}


@pytest.fixture
def scripted(monkeypatch, tmp_path):
    """Every Rag in this test searches the hand-made corpus, embeds and generates with fakes;
    returns the generator and the configs the factory was asked for."""
    generator = ScriptedGenerator("藤县的贫困发生率下降至0.59%[1]。")
    asked: list = []
    search = fake_search()

    def fake_factory(config, model=None):
        asked.append(config)
        return generator

    monkeypatch.setattr("rag.models.llm.make_generator", fake_factory)
    monkeypatch.setattr("rag.models.embedder.make_embedder", lambda config, precision=None: FakeEmbedder())
    monkeypatch.setattr("rag.pipeline.Rag.search", lambda self, q, k=None, doc_glob=None: search(q, k, doc_glob))
    monkeypatch.chdir(tmp_path)  # no stray rag.toml
    monkeypatch.setenv("HOME", str(tmp_path))
    generator.asked = asked
    return generator


def test_json_output_follows_the_contract(scripted, capsys):
    assert main(["ask", TENG_Q, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"question", "answer", "refused", "citations", "hits", "timings_ms"}
    assert result["question"] == TENG_Q and result["answer"] == "藤县的贫困发生率下降至0.59%[1]。"
    assert result["refused"] is False
    assert set(result["citations"][0]) == CITATION_KEYS and result["citations"][0]["n"] == 1
    assert result["citations"][0]["doc"] == "000_bebb5635b1c7aea1.txt"
    assert all(set(hit) == HIT_KEYS for hit in result["hits"]) and result["hits"][0]["rank"] == 1
    assert {"retrieve", "generate", "total"} <= set(result["timings_ms"])


def test_plain_output_streams_the_answer_then_prints_the_cited_passage(scripted, capsys):
    assert main(["ask", TENG_Q]) == 0
    out = capsys.readouterr().out
    answer, sources = out.split("\n\n", 1)
    assert answer == "藤县的贫困发生率下降至0.59%[1]。"
    assert sources.startswith("[1] 藤县五大举措打赢脱贫攻坚收官之战 (000_bebb5635b1c7aea1.txt)")
    assert "【藤县经过四年全力攻坚" in sources  # the supporting sentence is marked


def test_the_passages_being_read_are_named_on_stderr_before_the_answer(scripted, capsys):
    assert main(["ask", TENG_Q]) == 0
    err = capsys.readouterr().err
    assert err.startswith("正在阅读：\n  (1) 藤县五大举措打赢脱贫攻坚收官之战")


def test_a_refusal_lists_the_closest_passages_as_possibly_related(scripted, capsys):
    assert main(["ask", "上海迪士尼的门票多少钱?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("资料中没有找到相关信息\n") and "可能相关的段落" in out and "(1) " in out


def test_a_refusal_in_json_has_no_citations_but_keeps_the_hits(scripted, capsys):
    main(["ask", "上海迪士尼的门票多少钱?", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert result["refused"] is True and result["citations"] == [] and result["hits"]


def test_extract_mode_never_asks_the_generator(scripted, capsys):
    assert main(["ask", TENG_Q, "--mode", "extract", "--json"]) == 0
    assert "0.59%" in json.loads(capsys.readouterr().out)["answer"] and scripted.calls == []


def test_k_sets_how_many_passages_are_retrieved(scripted, capsys):
    main(["ask", TENG_Q, "-k", "2", "--json"])
    assert len(json.loads(capsys.readouterr().out)["hits"]) == 2


def test_generator_and_index_options_reach_the_configuration(scripted, capsys):
    main(["ask", TENG_Q, "--generator", "qwen2.5-coder-0.5b-instruct", "--index", "elsewhere", "--json"])
    config = scripted.asked[-1]
    assert config.generator == "qwen2.5-coder-0.5b-instruct" and config.index_dir == "elsewhere"


def test_a_k_below_one_is_a_user_error(scripted, capsys):
    assert main(["ask", TENG_Q, "-k", "0"]) == 1
    assert capsys.readouterr().err.strip() == "rag: error: -k must be at least 1, got 0"


def test_an_unknown_mode_is_a_usage_error(scripted, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["ask", TENG_Q, "--mode", "summarise"])
    assert exit_.value.code == 2


def test_a_missing_index_is_a_one_line_user_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["ask", TENG_Q, "--index", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("rag: error: ") and err.count("\n") == 1 and "nowhere" in err


@pytest.mark.models
def test_the_real_pipeline_answers_a_seeds_question_from_the_cli(seeds_dir, tmp_path, capsys):
    index = str(tmp_path / "index")
    assert main(["index", str(seeds_dir), "--index", index]) == 0
    capsys.readouterr()
    assert main(["ask", "黔江区抽调了多少名业务骨干组建脱贫攻坚指挥部?", "--index", index, "--json",
                 "--generator", "qwen2.5-coder-0.5b-instruct"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert not result["refused"] and "11名" in result["answer"]
    assert any("11名业务骨干" in c["text"] for c in result["citations"])
    assert main(["ask", "黔江区抽调了多少名业务骨干组建脱贫攻坚指挥部?", "--index", index, "--mode", "extract"]) == 0
    assert "11名业务骨干" in capsys.readouterr().out
