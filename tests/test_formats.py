"""Documents as people have them: a printed PDF cited by page, spreadsheets, CSV files in GBK,
slide decks and Word tables read so that a figure stays beside its name, and the bad files of
a real folder each skipped with one line while the rest is indexed."""

from __future__ import annotations

import pytest
from doc_fixtures import (
    COUNTIES,
    REPORT_ANSWER,
    REPORT_HEADER,
    REPORT_TITLE,
    SLIDES,
    TOWNS,
    corrupt_office,
    county_row,
    county_workbook,
    encrypted_pdf,
    flooded_workbook,
    printed_report,
    slide_deck,
    town_csv,
    town_row,
)
from fakes import FakeEmbedder

from rag.config import Config
from rag.errors import LoadError
from rag.index import load_index, update_index
from rag.ingest.chunk import chunk_document
from rag.ingest.load import load_file, load_paths
from rag.ingest.tables import EMPTY_ROWS_STOP, table_lines
from rag.retrieval.retriever import Retriever

CONFIG = Config()


def load(path):
    return load_file(path, path.name, CONFIG)


# --- the printed PDF ------------------------------------------------------------------------------
def test_a_printed_pdf_keeps_its_pages_and_its_running_header_once_and_loses_page_numbers(tmp_path):
    doc = load(printed_report(tmp_path / "report.pdf"))
    assert doc.title == REPORT_TITLE and len(doc.pages) == 3 and not doc.ocr  # the title the file states
    assert doc.text.count(REPORT_HEADER) == 1 and "第 1 页" not in doc.text and "第 2 页" not in doc.text
    answer = next(c for c in chunk_document(doc, CONFIG) if REPORT_ANSWER in c.text)
    assert (answer.page, answer.page_end) == (2, None) and answer.where() == "第2页"


def test_a_paragraph_broken_by_a_page_end_is_one_paragraph_again(tmp_path):
    doc = load(printed_report(tmp_path / "report.pdf"))
    paragraph = next(p for p in doc.text.split("\n\n") if p.startswith("在基础设施建设方面"))
    assert paragraph.endswith("群众出行难、灌溉难的问题得到根本解决。")
    start = doc.text.index(paragraph)
    assert start < doc.pages[1] < start + len(paragraph)  # page 2 begins inside it
    last = [c for c in chunk_document(doc, CONFIG) if c.page == 1][-1]
    assert last.page_end == 2 and last.text.endswith("根本解决。")


def test_an_encrypted_pdf_is_skipped_saying_it_needs_a_password(tmp_path):
    with pytest.raises(LoadError, match=r"locked\.pdf: encrypted PDF \(it needs a password\)"):
        load(encrypted_pdf(tmp_path / "locked.pdf"))


# --- spreadsheets and CSV -------------------------------------------------------------------------
def test_each_spreadsheet_row_is_a_line_of_header_value_pairs_one_section_per_sheet(tmp_path):
    doc = load(county_workbook(tmp_path / "counties.xlsx"))
    lines = doc.text.split("\n\n")
    assert lines[:3] == ["# 各县指标", "2020年各县（市、区）脱贫攻坚主要指标",
                         "县（市、区）：藤县，贫困人口（万人）：1.1，贫困发生率：0.21%，出列贫困村（个）：30"]
    assert "# 说明" in lines and "项目：数据来源，说明：各县扶贫开发办公室年度统计" in lines
    assert doc.title == "counties"
    sections = {c.section for c in chunk_document(doc, CONFIG)}
    assert sections == {"各县指标", "说明"}


def test_a_one_sheet_workbook_names_its_sheet_as_the_section_unless_it_is_sheet1(tmp_path):
    from openpyxl import Workbook

    for sheet, section in (("各村基本情况", "各村基本情况"), ("Sheet1", ""), ("工作表1", "")):
        book = Workbook()
        book.active.title = sheet
        book.active.append(["村名", "户数"])
        book.active.append(["东湖村", 592])
        book.save(tmp_path / "villages.xlsx")
        (chunk,) = chunk_document(load(tmp_path / "villages.xlsx"), CONFIG)
        assert chunk.section == section and "村名：东湖村，户数：592" in chunk.text, sheet


def test_a_date_in_a_tables_first_rows_is_not_taken_for_the_documents_date(tmp_path):
    (tmp_path / "daily.csv").write_text("日期,收益（万元）\n2020年5月11日,3.2\n2020年5月12日,3.4\n", encoding="utf-8")
    doc = load(tmp_path / "daily.csv")
    assert doc.date == "" and doc.text.startswith("日期：2020年5月11日，收益（万元）：3.2")


def test_a_gbk_csv_reads_like_a_sheet(tmp_path):
    doc = load(town_csv(tmp_path / "光伏电站.csv", "gbk"))
    assert doc.text.split("\n\n")[0] == "乡镇：藤州镇，光伏电站（座）：2，装机容量（千瓦）：300，年收益（万元）：21.5"
    assert len(doc.text.split("\n\n")) == len(TOWNS) and doc.title == "光伏电站"


def test_a_table_row_skips_empty_cells_and_merged_repeats_and_names_headerless_columns():
    rows = [["标题行"], ["", ""], ["县", "指标", "指标", ""], ["藤县", "12", "12", "备注"], ["容县", "", "8", ""]]
    assert table_lines(rows) == ["标题行", "县：藤县，指标：12，第4列：备注", "县：容县，指标：8"]


def test_a_sheet_stating_a_million_empty_cells_is_read_only_up_to_its_data(tmp_path):
    warnings: list[str] = []
    docs = load_paths([flooded_workbook(tmp_path / "flooded.xlsx")], CONFIG, warn=warnings.append)
    assert docs[0].text == "县：藤县，人口：110\n\n县：容县，人口：80"
    (warning,) = warnings
    assert warning == (f"flooded.xlsx: sheet Sheet: stopped reading at row {3 + EMPTY_ROWS_STOP}, "
                       f"after {EMPTY_ROWS_STOP} empty rows")


@pytest.mark.parametrize("name, kind", [("broken.xlsx", "XLSX"), ("broken.pptx", "PPTX")])
def test_a_corrupt_spreadsheet_or_deck_is_a_load_error_naming_it(tmp_path, name, kind):
    with pytest.raises(LoadError, match=rf"{name}: not a readable {kind}"):
        load(corrupt_office(tmp_path / name))


# --- slides and Word tables -----------------------------------------------------------------------
def test_each_slide_is_a_section_under_its_title_with_its_notes(tmp_path):
    doc = load(slide_deck(tmp_path / "deck.pptx"))
    chunks = chunk_document(doc, CONFIG)
    assert doc.title == SLIDES[0][0]
    slide2 = next(c for c in chunks if c.section == "砂糖橘产业")
    assert "全县砂糖橘种植面积达到12.5万亩" in slide2.text and "备注：亩产值约八千元" in slide2.text
    assert {c.section for c in chunks} >= {"砂糖橘产业", "电商扶贫"}


def test_word_tables_follow_the_row_convention(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("各县资金安排如下。")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([("县", "项目", "金额"), ("藤县", "道路", "496.5万元"), ("容县", "水利", "120万元")]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.save(tmp_path / "funds.docx")
    assert load(tmp_path / "funds.docx").text.split("\n\n")[1:] == ["县：藤县，项目：道路，金额：496.5万元",
                                                                    "县：容县，项目：水利，金额：120万元"]


# --- retrieval: a question about one cell or slide finds it first -------------------------------
@pytest.fixture(scope="module")
def tables_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("tables")
    docs = root / "docs"
    docs.mkdir()
    county_workbook(docs / "counties.xlsx")
    town_csv(docs / "towns.csv")
    slide_deck(docs / "deck.pptx")
    printed_report(docs / "report.pdf")
    config = Config(embed_model="fake-hash", models_dir=str(root / "models"), index_dir=str(root / "index"))
    update_index([docs], root / "index", config, FakeEmbedder())
    return Retriever(load_index(root / "index", config), FakeEmbedder(), config)


@pytest.mark.parametrize("n", [3, 9, 17])
def test_a_question_about_one_county_finds_its_row_first(tables_index, n):
    county, _, rate, _ = county_row(n, COUNTIES[n])
    top = tables_index.search(f"{county}的贫困发生率是多少？", 5)[0]
    assert f"县（市、区）：{county}，" in top.chunk.text and f"贫困发生率：{rate * 100:.10g}%" in top.chunk.text


@pytest.mark.parametrize("n", [2, 11])
def test_a_question_about_one_town_finds_its_csv_row_first(tables_index, n):
    town, _, _, income = town_row(n, TOWNS[n])
    top = tables_index.search(f"{town}光伏电站的年收益是多少万元？", 5)[0]
    assert top.chunk.doc == "towns.csv" and f"乡镇：{town}，" in top.chunk.text and f"{income}" in top.chunk.text


def test_a_question_about_one_slide_finds_that_slide_first(tables_index):
    top = tables_index.search("砂糖橘的亩产值是多少？", 5)[0]
    assert top.chunk.doc == "deck.pptx" and top.chunk.section == "砂糖橘产业"


def test_a_search_hit_on_the_printed_pdf_names_page_2(tables_index):
    top = tables_index.search("2020年全县落实了多少产业扶贫资金？", 5)[0]
    assert top.chunk.doc == "report.pdf" and REPORT_ANSWER in top.chunk.text
    assert top.to_json()["page"] == 2 and "page_end" not in top.to_json()


def test_with_ocr_off_a_pdf_mixing_text_and_scanned_pages_keeps_its_text_pages_and_says_so(tmp_path):
    from doc_fixtures import scanned_notice
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in (printed_report(tmp_path / "report.pdf"), scanned_notice(tmp_path / "notice.pdf")):
        writer.append(str(part))
    writer.write(tmp_path / "mixed.pdf")
    warnings: list[str] = []
    (doc,) = load_paths([tmp_path / "mixed.pdf"], CONFIG.replace(ocr="off"), warn=warnings.append)
    assert warnings == ["mixed.pdf: pages 4, 5 are scans and OCR is off; they were left out"]
    assert REPORT_ANSWER in doc.text and len(doc.pages) == 5 and not doc.ocr
