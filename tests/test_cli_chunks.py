"""`rag chunks FILE [--json] [--outline]`: what the index will hold, for a person to inspect."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rag.cli.main import main
from rag.config import Config
from rag.ingest.load import load_paths

SEED_002 = "002_56ffc93fffebd40f.txt"
SEED_001 = "001_402b0891d839cf2c.txt"
PARTS_002 = ["一、精准对象“端盘子”", "二、精准谋划“开方子”", "三、精准帮扶“引路子”", "四、精准施策“强里子”",
             "五、精准管理“除根子”"]


@pytest.fixture(autouse=True)
def clean_environment(tmp_path, monkeypatch):
    """A temporary home and working directory, and no RAG_* settings from the caller."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("RAG_")]:
        monkeypatch.delenv(name)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["chunks", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_chunks_of_seed_002_show_the_five_parts_with_their_items(capsys, seeds_dir):
    code, out, err = run(capsys, str(seeds_dir / SEED_002))
    assert code == 0 and err == ""
    assert out.startswith(f"{SEED_002}: 重庆扶贫专报第四十八期 黔江区“五子”发力推进精准扶贫 | 2015-12-22 | simplified |")
    headers = [line for line in out.splitlines() if line.startswith("[")]
    assert headers[0] == "[1] 夯实脱贫根基"
    assert headers[1] == "[2] 一、精准对象“端盘子” > (一)密集式调研"
    assert all(any(h.startswith(f"[{n}] {part}") for n, h in enumerate(headers, 1)) for part in PARTS_002)
    assert "    (三)出台社会保障两项政策。出台“5+2”医疗救助政策。" in out


def test_outline_shows_the_section_tree_once(capsys, seeds_dir):
    code, out, _ = run(capsys, str(seeds_dir / SEED_002), "--outline")
    lines = out.splitlines()
    assert code == 0 and [line.strip().rsplit("  [", 1)[0] for line in lines if line.startswith("  ") and
                          not line.startswith("    ")] == ["夯实脱贫根基", *PARTS_002]
    assert "    (一)密集式调研  [1 chunk]" in lines and "      二是 心必到  [1 chunk]" in lines


def test_json_lists_chunk_objects_that_are_spans_of_the_cleaned_text(capsys, seeds_dir):
    code, out, _ = run(capsys, str(seeds_dir / SEED_002), "--json")
    chunks = json.loads(out)
    doc = load_paths([seeds_dir / SEED_002], Config())[0]
    assert code == 0 and len(chunks) > 10
    assert all(set(c) == {"chunk_id", "doc", "title", "section", "start", "end", "text", "date"}
               for c in chunks)  # the seed states its date (no source); it has no pages
    assert all(c["date"] == doc.date == "2015-12-22" for c in chunks)
    assert all(c["doc"] == SEED_002 and doc.text[c["start"]:c["end"]] == c["text"] for c in chunks)


def test_the_title_of_seed_001_appears_once(capsys, seeds_dir):
    _, out, _ = run(capsys, str(seeds_dir / SEED_001), "--json")
    texts = "".join(c["text"] for c in json.loads(out))
    assert texts.count("扶貧重點工作是哪些") + texts.count("扶贫重点工作是哪些") == 1


def test_chunk_size_setting_changes_the_chunks(capsys, seeds_dir, monkeypatch):
    _, default, _ = run(capsys, str(seeds_dir / SEED_001), "--json")
    monkeypatch.setenv("RAG_CHUNK_SIZE", "120")
    _, small, _ = run(capsys, str(seeds_dir / SEED_001), "--json")
    assert len(json.loads(small)) > len(json.loads(default))


def test_a_missing_file_is_a_one_line_error(capsys, tmp_path):
    code, out, err = run(capsys, str(tmp_path / "missing.txt"))
    assert code == 1 and out == "" and err.count("\n") == 1 and "missing.txt" in err


def test_an_unsupported_file_named_directly_is_an_error(capsys, tmp_path):
    (tmp_path / "slides.key").write_bytes(b"keynote")
    code, _, err = run(capsys, str(tmp_path / "slides.key"))
    assert code == 1 and "slides.key: unsupported file type .key" in err


def test_a_folder_warns_about_bad_files_and_shows_the_good_ones(capsys, tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "good.txt").write_text("标题\n\n一段正文。", encoding="utf-8")
    (tmp_path / "docs" / "empty.txt").write_bytes(b"")
    code, out, err = run(capsys, str(tmp_path / "docs"))
    assert code == 0 and out.startswith("good.txt: 标题") and "skipped" in err and "empty.txt" in err


def test_the_installed_module_runs_as_a_command(seeds_dir, tmp_path):
    result = subprocess.run([sys.executable, "-m", "rag", "chunks", str(seeds_dir / SEED_002), "--outline"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0 and "五、精准管理“除根子”" in result.stdout


def test_outline_shows_a_tables_pages_and_rows(capsys, tmp_path):
    from doc_fixtures import ruled_table_pdf

    code, out, _ = run(capsys, str(ruled_table_pdf(tmp_path / "t.pdf", rows=40)), "--outline")
    assert code == 0 and "表1 各村基本情况  [第1-2页" in out and "表格 40 行]" in out
