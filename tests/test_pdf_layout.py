"""A PDF read as a person reads it (rag.ingest.pdf_layout): paragraphs, headings, columns and
ruled tables from the page's own layout, on small PDFs the tests typeset (tests/doc_fixtures.py)."""

from __future__ import annotations

import pytest
from doc_fixtures import (
    LATIN,
    LAYOUT_HEADING,
    LEFT_COLUMN,
    RIGHT_COLUMN,
    SHORT_LAST,
    TABLE_HEADER,
    TABLE_NOTE,
    WRAPPED,
    layout_pdf,
    ruled_table_pdf,
    table_row,
)

from rag.config import Config
from rag.ingest.chunk import chunk_document
from rag.ingest.load import load_paths

CONFIG = Config()


def _load(path):
    (doc,) = load_paths([path], CONFIG)
    return doc, chunk_document(doc, CONFIG)


@pytest.fixture(scope="module")
def typeset(tmp_path_factory):
    return _load(layout_pdf(tmp_path_factory.mktemp("layout") / "layout.pdf"))


@pytest.fixture(scope="module")
def long_table(tmp_path_factory):
    return _load(ruled_table_pdf(tmp_path_factory.mktemp("table") / "table.pdf", rows=40))


def test_a_wrapped_paragraph_is_one_paragraph(typeset):
    doc, _chunks = typeset
    assert WRAPPED in doc.text.split("\n")


def test_a_short_wrapped_last_line_is_not_a_heading(typeset):
    doc, chunks = typeset
    assert SHORT_LAST in doc.text.split("\n")
    assert {c.section for c in chunks} == {LAYOUT_HEADING}


def test_a_line_set_larger_is_a_heading(typeset):
    _doc, chunks = typeset
    assert any(WRAPPED in c.text and c.section == LAYOUT_HEADING for c in chunks)


def test_latin_words_wrapped_over_lines_are_joined_with_a_space(typeset):
    doc, _chunks = typeset
    assert LATIN in doc.text


def test_a_two_column_page_reads_the_left_column_first(typeset):
    doc, _chunks = typeset
    assert LEFT_COLUMN in doc.text and RIGHT_COLUMN in doc.text
    assert doc.text.index(LEFT_COLUMN) < doc.text.index(RIGHT_COLUMN)


def test_every_chunk_of_a_long_ruled_table_holds_its_column_names(long_table):
    _doc, chunks = long_table
    with_rows = [c for c in chunks if any(table_row(n)[0] in c.text for n in range(40))]
    assert len(with_rows) >= 3 and {c.page for c in with_rows} == {1, 2}
    for chunk in with_rows:
        assert all(f"{name}：" in chunk.text for name in TABLE_HEADER), chunk.text


def test_the_rows_on_the_page_after_the_header_are_named_by_it(long_table):
    _doc, chunks = long_table
    last = table_row(39)
    expected = "，".join(f"{name}：{value}" for name, value in zip(TABLE_HEADER, last))
    assert any(expected in c.text and c.page == 2 for c in chunks)


def test_a_table_row_is_never_a_section_and_the_caption_is(long_table):
    _doc, chunks = long_table
    assert {c.section for c in chunks} == {"表1 各村基本情况"}


def test_the_note_under_a_table_stays_with_it(long_table):
    _doc, chunks = long_table
    assert TABLE_NOTE in chunks[-1].text and chunks[-1].section == "表1 各村基本情况"


def test_a_header_cell_merged_over_two_columns_names_both(tmp_path):
    _doc, chunks = _load(ruled_table_pdf(tmp_path / "merged.pdf", merged=True))
    text = "\n".join(c.text for c in chunks)
    assert f"2023年{TABLE_HEADER[2]}：{table_row(0)[2]}" in text
    assert f"2023年{TABLE_HEADER[3]}：{table_row(0)[3]}" in text
    assert f"{TABLE_HEADER[0]}：{table_row(0)[0]}" in text
