"""A folder of documents as people keep them, through the command line: `rag index` reads every
kind (a printed PDF, a scan, a photo, a sheet, a GBK CSV, a deck), names each bad file on one line
and indexes the rest; `rag search --json` and `rag ask --json` say on which page of which
document, and whether from a scan, the answer stands. Real OCR throughout (hence `models`); the
fake embedder, and answers in extract mode (the real e5 and 0.5B models: test_ocr.py)."""

from __future__ import annotations

import json

import pytest
from doc_fixtures import REPORT_ANSWER, SCAN_QUESTION, documents_folder
from fakes import FakeEmbedder

from rag.cli.main import main

pytestmark = pytest.mark.models  # real OCR of four scanned pages: more than a few seconds

BAD = {"locked.pdf": "encrypted PDF", "tiny.png": "too small to hold text", "blank.png": "blank image",
       "broken.xlsx": "not a readable XLSX", "broken.pptx": "not a readable PPTX"}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """The folder indexed once through `rag index` (the fake embedder behind the real pipeline)."""
    root = tmp_path_factory.mktemp("documents")
    patch = pytest.MonkeyPatch()
    patch.chdir(root)
    patch.setenv("HOME", str(root))
    patch.setenv("RAG_EMBED_MODEL", "fake-hash")
    patch.setenv("RAG_REFUSE_MIN_SCORE", "0")  # calibrated for e5's cosines, not the fake's
    patch.setattr("rag.models.embedder.make_embedder", lambda config, precision=None: FakeEmbedder())
    documents_folder(root / "docs")
    yield root, patch
    patch.undo()


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def index_output(indexed):
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["index", "docs", "--index", "idx"])
    return code, out.getvalue(), err.getvalue()


def test_indexing_the_folder_succeeds_and_names_every_bad_file_once(index_output):
    code, out, err = index_output
    assert code == 0 and "7 added" in out  # report, notice, photo, counties, towns, deck, flooded
    lines = err.strip().split("\n")
    for name, reason in BAD.items():
        (line,) = [line for line in lines if f"/{name}:" in line]
        assert line.startswith("rag: warning: skipped ") and reason in line
    (flood,) = [line for line in lines if "flooded.xlsx" in line]
    assert "stopped reading at row" in flood
    assert len(lines) == len(BAD) + 1


def test_search_json_names_the_page_of_a_printed_pdf(index_output, capsys):
    code, out, _ = run(capsys, "search", "2020年全县落实了多少产业扶贫资金？", "--index", "idx", "--json")
    top = json.loads(out)["hits"][0]
    assert code == 0 and top["doc"] == "report.pdf" and REPORT_ANSWER in top["text"] and top["page"] == 2


def test_ask_answers_from_the_scanned_page_citing_that_page_as_a_scan(index_output, capsys):
    code, out, _ = run(capsys, "ask", SCAN_QUESTION, "--index", "idx", "--json", "--mode", "extract")
    result = json.loads(out)
    assert code == 0 and not result["refused"] and "二十三万元" in result["answer"]
    cited = result["citations"][0]
    assert (cited["doc"], cited["page"], cited["ocr"]) == ("notice.pdf", 2, True)


def test_ask_prints_the_page_and_scan_beside_the_cited_file(index_output, capsys):
    code, out, _ = run(capsys, "ask", SCAN_QUESTION, "--index", "idx", "--mode", "extract")
    assert code == 0 and "(notice.pdf, 第2页 · 扫描件)" in out


def test_chunks_json_shows_pages_and_chunks_text_shows_them_too(index_output, capsys):
    code, out, _ = run(capsys, "chunks", "docs/report.pdf", "--json")
    pages = [c.get("page") for c in json.loads(out)]
    assert code == 0 and pages[0] == 1 and pages[-1] == 3 and sorted(pages) == pages
    code, out, _ = run(capsys, "chunks", "docs/report.pdf")
    assert "report.pdf: 藤县2020年脱贫攻坚工作总结 | simplified | 3 pages" in out and "  第2页" in out
