"""`rag index` and `rag search` through the CLI entry point, as a user runs them."""

from __future__ import annotations

import json
import shutil

import pytest
from fakes import FakeEmbedder

from rag.cli.main import main

FILES = ("000_bebb5635b1c7aea1.txt", "002_56ffc93fffebd40f.txt")
HIT_KEYS = {"rank", "doc", "title", "section", "chunk_id", "score", "text"}
OPTIONAL_KEYS = {"page", "page_end", "ocr", "date", "source"}  # DESIGN.md: present when known


@pytest.fixture
def workdir(tmp_path, monkeypatch, seeds_dir):
    """A temporary home and working directory, the fake embedder behind the real pipeline."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("RAG_EMBED_MODEL", "fake-hash")
    monkeypatch.setattr("rag.models.embedder.make_embedder", lambda config, precision=None: FakeEmbedder())
    (tmp_path / "docs").mkdir()
    for name in FILES:
        shutil.copyfile(seeds_dir / name, tmp_path / "docs" / name)
    return tmp_path


@pytest.fixture
def indexed(workdir, capsys):
    assert main(["index", "docs", "--index", "idx"]) == 0
    capsys.readouterr()
    return workdir


def test_index_reports_counts_and_time(workdir, capsys):
    assert main(["index", "docs", "--index", "idx"]) == 0
    out = capsys.readouterr().out
    assert "2 added, 0 updated, 0 removed, 0 unchanged" in out and " s" in out


def test_index_again_reports_everything_unchanged_as_json(indexed, capsys):
    assert main(["index", "docs", "--index", "idx", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["added"], report["unchanged"], report["embedded"]) == (0, 2, 0)


def test_search_json_has_exactly_the_contract_shape(indexed, capsys):
    assert main(["search", "藤县贫困发生率下降到多少？", "--index", "idx", "--json", "-k", "3"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"question", "hits"} and result["question"] == "藤县贫困发生率下降到多少？"
    assert [h["rank"] for h in result["hits"]] == [1, 2, 3]
    for hit in result["hits"]:
        assert HIT_KEYS <= set(hit) <= HIT_KEYS | OPTIONAL_KEYS
        assert isinstance(hit["score"], float) and isinstance(hit["text"], str) and hit["text"]
    assert result["hits"][0]["doc"] == "000_bebb5635b1c7aea1.txt"
    assert "0.59%" in result["hits"][0]["text"]
    assert (result["hits"][0]["date"], result["hits"][0]["source"]) == ("2020-05-11", "人民网-广西频道")


def test_search_defaults_to_top_k_hits(indexed, capsys):
    main(["search", "扶贫", "--index", "idx", "--json"])
    assert len(json.loads(capsys.readouterr().out)["hits"]) == 5


def test_search_doc_filter_limits_the_documents(indexed, capsys):
    main(["search", "扶贫", "--index", "idx", "--json", "--doc", "002_*"])
    assert {h["doc"] for h in json.loads(capsys.readouterr().out)["hits"]} == {"002_56ffc93fffebd40f.txt"}


def test_search_prints_ranked_passages_for_people(indexed, capsys):
    assert main(["search", "藤县贫困发生率", "--index", "idx", "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[1] 000_bebb5635b1c7aea1.txt") and "\n[2] " in out and "bm25 #" in out


def test_search_without_an_index_says_to_run_rag_index(workdir, capsys):
    assert main(["search", "扶贫", "--index", "missing"]) == 1
    err = capsys.readouterr().err
    assert "run `rag index`" in err and err.count("\n") == 1


def test_search_with_k_below_one_is_a_user_error(indexed, capsys):
    assert main(["search", "扶贫", "--index", "idx", "-k", "0"]) == 1
    assert "-k" in capsys.readouterr().err


def test_search_needs_a_question(workdir, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["search"])
    assert exc.value.code == 2


# --- the real model, end to end -----------------------------------------------------------------

@pytest.mark.models
def test_real_index_and_search_from_the_command_line(tmp_path, monkeypatch, seeds_dir, models_config, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(seeds_dir / FILES[0], tmp_path / FILES[0])
    assert main(["index", FILES[0], "--index", "idx"]) == 0
    assert "1 added" in capsys.readouterr().out
    assert main(["search", "藤縣貧困發生率下降至多少？", "--index", "idx", "--json", "-k", "3"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert any("0.59%" in h["text"] for h in hits)
