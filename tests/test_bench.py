"""`rag bench`: the speed report's mechanics (numbers themselves are not asserted: they are
measurements of the machine, reported in the README)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fakes import FakeEmbedder

from rag.cli.main import main
from rag.config import Config
from rag.errors import RagError
from rag.evaluation.bench import read_questions, run_bench


@pytest.fixture
def docs(tmp_path, seeds_dir, monkeypatch):
    monkeypatch.setattr("rag.models.embedder.make_embedder",
                        lambda config, precision=None: FakeEmbedder(precision=precision or config.embed_precision))
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copyfile(seeds_dir / "000_bebb5635b1c7aea1.txt", folder / "000.txt")
    return folder


def test_questions_come_from_a_gold_set_or_plain_lines(tmp_path):
    (tmp_path / "g.jsonl").write_text('{"id": "1", "question": "甲？"}\n{"id": "2", "question": "乙？"}\n',
                                      encoding="utf-8")
    (tmp_path / "q.txt").write_text("甲？\n\n乙？\n丙？\n", encoding="utf-8")
    assert read_questions(tmp_path / "g.jsonl") == ["甲？", "乙？"]
    assert read_questions(tmp_path / "q.txt", limit=2) == ["甲？", "乙？"]


def test_an_empty_question_file_is_a_user_error(tmp_path):
    (tmp_path / "empty.txt").write_text("\n", encoding="utf-8")
    with pytest.raises(RagError, match="no questions"):
        read_questions(tmp_path / "empty.txt")


def test_bench_builds_a_throwaway_index_and_times_every_side(docs, tmp_path):
    config = Config(embed_model="fake-hash", models_dir=str(tmp_path / "models"), embed_precision="fp32")
    result = run_bench([docs], config, ["藤县贫困发生率", "扶贫干部驻村"])
    assert result.documents == 1 and result.chunks > 0 and result.chunks_per_s > 0
    assert set(result.latency_ms) == {f"{s}_{p}" for s in ("search", "bm25", "dense") for p in ("p50", "p95")}
    assert result.queries == 2 and result.peak_rss_mb > 0
    assert not Path(result.index_dir).exists()  # the throwaway index is cleaned up
    assert "chunks/s" in result.table()


def test_bench_command_prints_json(docs, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RAG_EMBED_MODEL", "fake-hash")
    (tmp_path / "q.txt").write_text("藤县贫困发生率\n", encoding="utf-8")
    assert main(["bench", str(docs), "--index", "idx", "--queries", "q.txt", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["chunks"] > 0 and result["build_s"] > 0 and (tmp_path / "idx" / "manifest.json").exists()


def test_bench_needs_something_to_time(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["bench"]) == 1
    assert "--index" in capsys.readouterr().err


def test_bench_races_fp32_against_the_chosen_precision_on_the_same_chunks(docs, tmp_path):
    config = Config(embed_model="fake-hash", models_dir=str(tmp_path / "models"), embed_precision="bf16")
    race = run_bench([docs], config, ["藤县贫困发生率"], rounds=2).precision
    assert race["route"] == "bf16" and set(race["chunks_per_s"]) == {"fp32", "bf16"}
    assert race["ratio"] == pytest.approx(race["chunks_per_s"]["bf16"] / race["chunks_per_s"]["fp32"], rel=0.01)
    assert race["rounds"] == 2 and race["chunks"] > 0


def test_a_bench_at_fp32_races_nothing_and_zero_rounds_skip_the_race(docs, tmp_path):
    config = Config(embed_model="fake-hash", models_dir=str(tmp_path / "models"), embed_precision="fp32")
    assert run_bench([docs], config, ["藤县"]).precision["ratio"] == 1.0
    assert run_bench([docs], config.replace(embed_precision="bf16"), ["藤县"], rounds=0).precision == {}


def test_bench_takes_a_squad_file_as_its_corpus_and_times_its_questions(docs, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RAG_EMBED_MODEL", "fake-hash")
    monkeypatch.setenv("RAG_EMBED_PRECISION", "fp32")
    paragraphs = [{"id": f"P{i}", "context": f"第{i}段：藤县今年建成{i}座冷库。",
                   "qas": [{"id": f"Q{i}", "question": f"藤县建成几座冷库{i}？",
                            "answers": [{"text": str(i), "answer_start": 0}]}]} for i in range(3)]
    squad = tmp_path / "tiny.json"
    squad.write_text(json.dumps({"data": [{"title": "藤县", "paragraphs": paragraphs}]}, ensure_ascii=False),
                     encoding="utf-8")
    assert main(["bench", str(squad), "--format", "squad", "--rounds", "0", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["documents"] == 3 and result["queries"] == 3


def test_bench_squad_format_takes_exactly_one_file(docs, capsys):
    assert main(["bench", str(docs), str(docs), "--format", "squad"]) != 0
    assert "--format squad takes one PATH" in capsys.readouterr().err
