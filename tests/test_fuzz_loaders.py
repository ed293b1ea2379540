"""Hypothesis against the loaders and the text stages: random bytes under every supported name,
real files of every format cut short or with bytes changed, and text of odd Unicode. Each file
either reads into a document that chunks, or is refused with our own one-line LoadError, within a
few seconds and a few hundred MB of memory; nothing else may come out of a file a user uploads. OCR is off (a mutated image is
still refused or read by the same image checks; the OCR engine itself is tested in test_ocr.py).
`make test` draws the same examples each run; `make fuzz` draws new ones, RAG_FUZZ_EXAMPLES a test."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest
from doc_fixtures import county_workbook, layout_pdf, printed_report, ruled_table_pdf, slide_deck, town_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.config import Config
from rag.errors import LoadError
from rag.ingest.chunk import chunk_document
from rag.ingest.load import SUPPORTED_SUFFIXES, load_file
from rag.text.normalize import compact
from rag.text.sentences import sentence_spans

CONFIG = Config(ocr="off")
FEW_SECONDS = 10
FEW_HUNDRED_MB = 500  # a file of a few KB may cost this much more resident memory while it is read
EXAMPLES = settings(max_examples=int(os.environ.get("RAG_FUZZ_EXAMPLES", "100")), deadline=None, suppress_health_check=list(HealthCheck), database=None)


def docx(path: Path) -> Path:
    from docx import Document

    document = Document()
    document.add_heading("青禾县2023年工作总结", level=1)
    document.add_paragraph("全县新建蔬菜大棚三百二十座，带动四百一十户脱贫户增收。")
    table = document.add_table(rows=2, cols=2)
    for cell, text in zip(table._cells, ("乡镇", "户数", "青禾镇", "592")):
        cell.text = text
    document.save(path)
    return path


def png(path: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("L", (200, 60), 255)
    ImageDraw.Draw(image).text((10, 20), "2023", fill=0)
    image.save(path)
    return path


@pytest.fixture(scope="module")
def real_files(tmp_path_factory) -> dict[str, bytes]:
    """One real file of every format, as bytes."""
    folder = tmp_path_factory.mktemp("real")
    made = [printed_report(folder / "report.pdf"), layout_pdf(folder / "layout.pdf"),
            ruled_table_pdf(folder / "table.pdf"), county_workbook(folder / "sheet.xlsx"),
            town_csv(folder / "towns.csv"), slide_deck(folder / "deck.pptx"), docx(folder / "note.docx"),
            png(folder / "figure.png")]
    (folder / "page.html").write_text("<html><head><title>公告</title></head><body><h1>公告</h1><p>白马村光伏电站"
                                      "今年发电收益二十三万元。</p><table><tr><th>村</th><th>户</th></tr>"
                                      "<tr><td>白马村</td><td>41</td></tr></table></body></html>", encoding="utf-8")
    (folder / "notes.md").write_text("# 标题\n\n## 一、成效\n\n贫困发生率下降至0.59%。\n", encoding="utf-8")
    (folder / "plain.txt").write_bytes("藤县贫困发生率下降至0.59%。\n".encode("gbk"))
    made += [folder / "page.html", folder / "notes.md", folder / "plain.txt"]
    return {path.name: path.read_bytes() for path in made}


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextlib.contextmanager
def growth_watched(peak: list[float]):
    """Samples the process's resident memory every 10 ms while the block runs; `peak` gets how
    far it rose above where it started (C libraries' memory included, which tracemalloc misses)."""
    start, done = resident_mb(), threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak.append(resident_mb() - start)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield
    finally:
        done.set()
        sampler.join()
        peak.append(resident_mb() - start)


def read_or_refuse(path: Path, data: bytes) -> None:
    """The one property: a document that chunks, or our LoadError naming the file, quickly and
    within a bounded amount of memory."""
    path.write_bytes(data)
    started, grown = time.monotonic(), [0.0]
    with growth_watched(grown):
        try:
            chunk_document(load_file(path, path.name, CONFIG), CONFIG)
        except LoadError as exc:
            assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)
    assert time.monotonic() - started < FEW_SECONDS
    assert max(grown) < FEW_HUNDRED_MB, f"{path.name} took {max(grown):.0f} MB more memory"


@given(data=st.binary(max_size=4096), suffix=st.sampled_from(sorted(SUPPORTED_SUFFIXES)))
@EXAMPLES
def test_random_bytes_under_any_supported_name_are_read_or_refused(tmp_path_factory, data, suffix):
    read_or_refuse(tmp_path_factory.mktemp("random") / f"random{suffix}", data)


@given(name=st.sampled_from(["report.pdf", "layout.pdf", "table.pdf", "sheet.xlsx", "towns.csv", "deck.pptx",
                             "note.docx", "figure.png", "page.html", "notes.md", "plain.txt"]),
       cut=st.floats(0.0, 1.0))
@EXAMPLES
def test_a_real_file_cut_short_anywhere_is_read_or_refused(tmp_path_factory, real_files, name, cut):
    data = real_files[name]
    read_or_refuse(tmp_path_factory.mktemp("cut") / name, data[:int(len(data) * cut)])


@given(name=st.sampled_from(["report.pdf", "table.pdf", "sheet.xlsx", "deck.pptx", "note.docx", "figure.png",
                             "page.html", "towns.csv"]),
       changes=st.lists(st.tuples(st.floats(0.0, 1.0, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8))
@EXAMPLES
def test_a_real_file_with_bytes_changed_is_read_or_refused(tmp_path_factory, real_files, name, changes):
    data = bytearray(real_files[name])
    for where, value in changes:
        data[int(len(data) * where)] = value
    read_or_refuse(tmp_path_factory.mktemp("mutated") / name, bytes(data))


@given(text=st.text(st.characters(codec="utf-8"), max_size=2000))
@EXAMPLES
def test_any_unicode_text_is_read_or_refused_and_its_text_stages_hold(tmp_path_factory, text):
    read_or_refuse(tmp_path_factory.mktemp("unicode") / "odd.txt", text.encode("utf-8", "surrogatepass"))
    spans = sentence_spans(text)
    assert all(0 <= start <= end <= len(text) for start, end in spans)
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))  # in order, not overlapping
    compact(text)  # never raises
