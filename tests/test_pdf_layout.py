"""A PDF read as a person reads it (rag.ingest.pdf_layout): paragraphs, headings, columns and
tables (ruled, three-line or without rules) from the page's own layout, on small PDFs the tests
typeset (tests/doc_fixtures.py) with two typesetters: fpdf2, and WeasyPrint (HTML and CSS,
Pango's line breaking)."""

from __future__ import annotations

import pytest
from doc_fixtures import (
    CONTENTS,
    FORM_FIELDS,
    LATIN,
    LAYOUT_HEADING,
    LEFT_COLUMN,
    MERGED_TOTAL,
    NUMBERED,
    POLICIES,
    POLICY_HEADER,
    REPORT_PAGE1,
    RIGHT_COLUMN,
    SHORT_LAST,
    TABLE_CAPTION,
    TABLE_HEADER,
    TABLE_NOTE,
    TERMS,
    UNEVEN_HEADER,
    UNEVEN_ROWS,
    WEASY_FIGURE_AT_EDGE,
    WEASY_FOOTNOTE,
    WEASY_PARAGRAPHS,
    WEASY_QUOTES,
    WEASY_SENTENCE_AT_EDGE,
    WRAPPED,
    fpdf_table_pdf,
    layout_pdf,
    ruled_table_pdf,
    table_row,
    weasy_footnote_pdf,
    weasy_merged_table_pdf,
    weasy_office_pdf,
    weasy_report_pdf,
    weasy_table_pdf,
    weasy_uneven_table_pdf,
    weasy_words_table_pdf,
)

from rag.config import Config
from rag.ingest.chunk import chunk_document
from rag.ingest.load import load_paths
from rag.ingest.tables import is_row, table_lines

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


# --- WeasyPrint: Chinese set ragged right by Pango, margin boxes, CSS columns, repeated thead ---
@pytest.fixture(scope="module")
def weasy_report(tmp_path_factory):
    return _load(weasy_report_pdf(tmp_path_factory.mktemp("weasy") / "report.pdf"))


@pytest.fixture(scope="module")
def weasy_columns(tmp_path_factory):
    return _load(weasy_report_pdf(tmp_path_factory.mktemp("weasy") / "columns.pdf", columns=True))


@pytest.fixture(scope="module")
def weasy_footnote(tmp_path_factory):
    return _load(weasy_footnote_pdf(tmp_path_factory.mktemp("weasy") / "footnote.pdf"))


@pytest.fixture(scope="module")
def weasy_table(tmp_path_factory):
    return _load(weasy_table_pdf(tmp_path_factory.mktemp("weasy") / "table.pdf"))


def test_a_line_stopping_short_of_a_figure_it_may_not_split_goes_on(weasy_report):
    doc, _chunks = weasy_report
    assert WEASY_FIGURE_AT_EDGE in doc.text.split("\n\n")  # …贫困户 | 19344户,已发放…


def test_where_paragraphs_open_indented_a_line_ending_a_sentence_at_the_edge_goes_on(weasy_report):
    doc, _chunks = weasy_report
    assert WEASY_SENTENCE_AT_EDGE in doc.text.split("\n\n")  # …都有帮扶责任人。| 选派了…
    assert REPORT_PAGE1[0] in doc.text.split("\n\n")  # and a paragraph still ends


def test_a_paragraph_going_on_under_the_next_pages_running_header_is_whole(weasy_report):
    doc, _chunks = weasy_report
    start = doc.text.index(REPORT_PAGE1[1])
    assert REPORT_PAGE1[1] in doc.text.split("\n\n") and start < doc.pages[1] < start + len(REPORT_PAGE1[1])


def test_a_column_line_stopping_short_of_a_quoted_word_goes_on(weasy_columns):
    doc, _chunks = weasy_columns
    paragraphs = doc.text.split("\n\n")
    assert all(p in paragraphs for p in WEASY_QUOTES)  # …人越 | 线”的…, …防 | 止“被…


def test_a_running_header_and_page_number_centred_over_the_gutter_come_off(weasy_columns):
    doc, _chunks = weasy_columns
    assert doc.text.startswith("重庆扶贫专报第四十八期\n")  # kept once, atop page 1, as the masthead
    assert doc.text.count("第四十八期") == 1
    assert "页" not in doc.text


def test_a_thead_repeated_on_every_page_names_the_rows_and_is_no_row(weasy_table):
    doc, chunks = weasy_table
    rows = [line for line in doc.text.split("\n\n") if line.startswith(f"{TABLE_HEADER[0]}：")]
    assert rows == [table_lines([TABLE_HEADER, table_row(n)])[0] for n in range(70)]
    assert {c.page for c in chunks if TABLE_HEADER[0] + "：" in c.text} == {1, 2, 3}
    assert not any(f"{TABLE_HEADER[0]}：{TABLE_HEADER[0]}" in row for row in rows)
    assert {c.section for c in chunks if TABLE_HEADER[0] + "：" in c.text} == {f"{LAYOUT_HEADING} > {TABLE_CAPTION}"}


def test_a_masthead_joined_to_the_first_heading_as_title_leaves_its_marks_out(weasy_table):
    doc, _chunks = weasy_table
    assert doc.title == f"重庆扶贫专报第四十八期 {LAYOUT_HEADING}"


def test_a_body_cell_merged_across_columns_gives_its_text_to_both(tmp_path):
    doc, _chunks = _load(weasy_merged_table_pdf(tmp_path / "merged.pdf"))
    total = "乡镇：合计，项目：合计，" + "，".join(
        f"{year}{name}：{value}"
        for (year, name), value in zip(
            [(y, n) for y in ("2022年", "2023年") for n in ("资金（万元）", "带动户数")], MERGED_TOTAL[1:], strict=True
        )
    )
    assert total in doc.text.split("\n\n")
    assert "乡镇：藤州镇，项目：柑橘，" in doc.text  # merged down the rows: the text above


# --- tables without rules between their columns: a three-line table (三线表), or no rules at all ---
def _rows(doc):
    return [line for line in doc.text.split("\n\n") if line.startswith(f"{TABLE_HEADER[0]}：")]


def _named(n: int) -> str:
    return table_lines([TABLE_HEADER, table_row(n)])[0]


@pytest.fixture(scope="module")
def three_line_table(tmp_path_factory):
    return _load(weasy_table_pdf(tmp_path_factory.mktemp("weasy") / "three_line.pdf", rules="three"))


@pytest.fixture(scope="module")
def fpdf_three_line_table(tmp_path_factory):
    return _load(fpdf_table_pdf(tmp_path_factory.mktemp("fpdf") / "three_line.pdf", rows=40))


def test_a_three_line_table_is_read_in_the_row_convention(three_line_table):
    doc, _chunks = three_line_table
    assert _rows(doc) == [_named(n) for n in range(70)]  # its header repeated on each page is no row


def test_a_three_line_tables_caption_names_its_section(three_line_table):
    _doc, chunks = three_line_table
    assert {c.section for c in chunks if TABLE_HEADER[0] + "：" in c.text} == {f"{LAYOUT_HEADING} > {TABLE_CAPTION}"}


def test_a_table_with_no_rules_at_all_is_read_in_the_row_convention(tmp_path):
    doc, _chunks = _load(weasy_table_pdf(tmp_path / "bare.pdf", rules="none"))
    assert _rows(doc) == [_named(n) for n in range(70)]


@pytest.mark.parametrize("rules", ["three", "none"])
def test_a_column_name_set_on_two_lines_is_joined(tmp_path, rules):
    doc, _chunks = _load(weasy_table_pdf(tmp_path / "two_line.pdf", rows=12, rules=rules, two_line_header=True))
    assert _rows(doc) == [_named(n) for n in range(12)]  # 户数 over （户）: 户数（户）


@pytest.mark.parametrize("borders", ["three", "HORIZONTAL_LINES", "NONE"])
def test_an_fpdf2_table_without_column_rules_is_read_in_the_row_convention(tmp_path, borders):
    doc, _chunks = _load(fpdf_table_pdf(tmp_path / "table.pdf", rows=40, borders=borders))
    assert _rows(doc) == [_named(n) for n in range(40)]


def test_rows_going_on_without_the_header_on_the_next_page_are_named_by_it(fpdf_three_line_table):
    _doc, chunks = fpdf_three_line_table
    assert any(_named(39) in c.text and c.page == 2 for c in chunks)
    assert all(c.section == TABLE_CAPTION for c in chunks if TABLE_HEADER[0] + "：" in c.text)


def test_the_note_under_a_three_line_table_stays_with_it(fpdf_three_line_table):
    _doc, chunks = fpdf_three_line_table
    assert TABLE_NOTE in chunks[-1].text and chunks[-1].section == TABLE_CAPTION


def test_a_three_line_table_of_words_is_read_in_the_row_convention(tmp_path):
    doc, _chunks = _load(weasy_words_table_pdf(tmp_path / "words.pdf", rules="three"))
    assert [line for line in doc.text.split("\n\n") if is_row(line)] == table_lines([POLICY_HEADER, *POLICIES])


def test_words_in_columns_without_rules_or_figures_stay_lines(tmp_path):
    doc, _chunks = _load(weasy_words_table_pdf(tmp_path / "words.pdf", rules="none"))
    lines = doc.text.split("\n\n")
    assert not [line for line in lines if is_row(line)]  # too little evidence of a table: no false one
    assert all(" ".join(row) in lines for row in POLICIES)


@pytest.fixture(scope="module")
def uneven_table(tmp_path_factory):
    doc, _chunks = _load(weasy_uneven_table_pdf(tmp_path_factory.mktemp("weasy") / "uneven.pdf"))
    return [line for line in doc.text.split("\n\n") if is_row(line)]


def _uneven(n: int) -> str:
    return table_lines([UNEVEN_HEADER, UNEVEN_ROWS[n]])[0]


def test_words_wrapped_over_lines_in_a_cell_are_one_cell_of_its_row(uneven_table):
    assert _uneven(2) in uneven_table  # the other cells of the row centred beside the three lines


def test_a_name_centred_on_the_two_rows_it_is_merged_over_names_both(uneven_table):
    assert uneven_table[:2] == [_uneven(0), _uneven(1)]


def test_an_empty_cell_is_not_given_the_figure_above_it(uneven_table):
    assert uneven_table[3] == _uneven(3) and uneven_table == [_uneven(n) for n in range(len(UNEVEN_ROWS))]


def test_an_empty_cell_of_a_ruled_table_is_not_given_the_figure_above_it(tmp_path):
    doc, _chunks = _load(weasy_uneven_table_pdf(tmp_path / "ruled.pdf", rules="all"))
    assert [line for line in doc.text.split("\n\n") if is_row(line)] == [_uneven(n) for n in range(len(UNEVEN_ROWS))]


def test_contents_forms_terms_and_numbered_lists_set_in_columns_are_no_tables(tmp_path):
    doc, _chunks = _load(weasy_office_pdf(tmp_path / "office.pdf"))
    lines = doc.text.split("\n")
    assert not [line for line in lines if is_row(line)]
    assert " ".join(FORM_FIELDS[0]) in lines  # 单位：… 日期：… stays the line it is
    assert f"{CONTENTS[1]} 3" in lines and " ".join(TERMS[0]) in lines
    assert any(line.startswith(f"{NUMBERED[0]} {WEASY_QUOTES[0][:10]}") for line in lines)


def test_paragraphs_and_two_column_pages_hold_no_table(typeset, weasy_columns):
    for doc, _chunks in (typeset, weasy_columns):
        assert not [line for line in doc.text.split("\n") if is_row(line)]


def test_a_footnotes_raised_mark_is_not_read_into_the_words_around_it(weasy_footnote):
    doc, _chunks = weasy_footnote
    assert WEASY_PARAGRAPHS[1] in doc.text.split("\n\n")  # …进村入户时间推迟¹,… read without the 1


def test_a_footnote_under_a_paragraph_the_page_break_splits_is_read_after_it(weasy_footnote):
    doc, _chunks = weasy_footnote
    paragraphs = doc.text.split("\n\n")
    assert REPORT_PAGE1[1] in paragraphs
    assert paragraphs[paragraphs.index(REPORT_PAGE1[1]) + 1].endswith(WEASY_FOOTNOTE)
