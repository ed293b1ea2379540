"""Pages: what a printer repeats on every page comes off, paragraphs broken by a page end are
whole again, and every chunk knows the page it begins on (and ends on, when it runs over)."""

from __future__ import annotations

from rag.config import Config
from rag.ingest.chunk import chunk_document
from rag.ingest.clean import clean_pages
from rag.ingest.pages import Printed, page_texts, text_layer_lines
from rag.types import Chunk, Document

BODY = "全县累计投入财政专项扶贫资金二十亿元，各项政策落地见效，群众满意度明显提升，"  # 39 characters


def pages_of(*pages: str) -> list[str]:
    return [p.text for p in page_texts([text_layer_lines(page) for page in pages])]


def test_a_running_header_names_the_document_once_and_page_numbers_are_dropped_from_every_page():
    pages = [f"藤县扶贫简报\n{body}\n- {n} -" for n, body in enumerate(("道路。", "产业。", "教育。"), 1)]
    assert pages_of(*pages) == ["藤县扶贫简报\n道路。", "产业。", "教育。"]


def test_a_running_header_the_first_page_states_as_its_title_is_not_kept_twice():
    pages = [f"藤县扶贫简报\n# 藤县扶贫简报\n{BODY}。\n第 1 页", "藤县扶贫简报\n产业。\n第 2 页"]
    assert pages_of(*pages) == [f"# 藤县扶贫简报\n{BODY}。", "产业。"]


def test_page_number_forms_are_recognised_at_the_page_edge_even_on_one_page():
    for footer in ("第 3 页", "第3页 共12页", "3/12", "Page 3 of 12", "— 3 —", "12"):
        assert pages_of(f"正文一句。\n{footer}") == ["正文一句。"], footer


def test_a_line_repeated_in_the_body_is_not_a_running_header():
    body = "正文中间的一行"
    pages = [f"标题{n}\n开头。\n{body}\n中间。\n结尾。\n页脚{n}" for n in (1, 2)]
    assert all(body in page for page in pages_of(*pages))


def test_lines_that_fill_the_width_are_joined_into_a_paragraph():
    page = f"{BODY}\n{BODY}\n最后一行。\n下一段开头。"
    assert pages_of(page) == [f"{BODY}{BODY}最后一行。\n下一段开头。"]


def test_a_page_that_ends_inside_a_paragraph_runs_on_and_the_paragraph_is_rejoined():
    first, second = page_texts([text_layer_lines(f"{BODY}\n{BODY}"), text_layer_lines("问题得到解决。\n新的一段。")])
    assert first.runs_on and not second.runs_on
    cleaned = clean_pages([first.text, second.text], [first.runs_on, second.runs_on])
    assert cleaned.text == f"{BODY}{BODY}问题得到解决。\n\n新的一段。"
    assert cleaned.pages == (0, 2 * len(BODY))  # page 2 begins inside the rejoined paragraph


def test_a_page_ending_with_a_sentence_or_followed_by_a_heading_does_not_run_on():
    ends = page_texts([text_layer_lines(f"{BODY}\n{BODY[:-1]}。"), text_layer_lines("新的一段。")])
    assert not ends[0].runs_on
    cleaned = clean_pages([f"{BODY}{BODY}", "二、主要做法"], [True, False])
    assert cleaned.text.split("\n\n") == [f"{BODY}{BODY}", "二、主要做法"]


def test_ocr_lines_say_themselves_whether_they_fill_the_width_or_open_a_paragraph():
    lines = [Printed("第一行没有到行尾", full=True), Printed("接着写完。", full=False),
             Printed("缩进开始新段", full=True, opens=True), Printed("新段的续行。", full=False)]
    assert pages_of_printed(lines) == ["第一行没有到行尾接着写完。", "缩进开始新段新段的续行。"]


def pages_of_printed(lines):
    return page_texts([lines])[0].text.split("\n")


def test_an_empty_page_begins_where_the_next_page_does():
    cleaned = clean_pages(["第一页。", "", "第三页。"])
    assert cleaned.pages == (0, 6, 6) and cleaned.text == "第一页。\n\n第三页。"


def test_a_one_page_document_still_has_its_page():
    assert clean_pages(["只有一页。"]).pages == (0,)


def paged(*pages: str) -> Document:
    cleaned = clean_pages(list(pages))
    return Document(doc="report.pdf", text=cleaned.text, title="报告", pages=cleaned.pages,
                    date="2020-05-11", source="藤县扶贫办")


def test_chunks_carry_their_page_and_end_at_a_page_break():
    first = "。".join(f"第一页第{n}句讲道路建设的情况" for n in range(20)) + "。"
    doc = paged(first, "第二页讲产业扶贫资金三点二亿元的安排。", "第三页讲下一步的打算和工作安排。")
    chunks = chunk_document(doc, Config())
    assert [(c.page, c.page_end) for c in chunks] == [(1, None), (1, None), (2, None), (3, None)]
    assert chunks[2].text == "第二页讲产业扶贫资金三点二亿元的安排。"


def test_a_sentence_running_over_a_page_break_gives_its_chunk_both_pages():
    cleaned = clean_pages([f"{BODY}{BODY}", "问题得到解决。"], [True, False])
    doc = Document(doc="a.pdf", text=cleaned.text, pages=cleaned.pages)
    (chunk,) = chunk_document(doc, Config())
    assert (chunk.page, chunk.page_end) == (1, 2) and chunk.where() == "第1-2页"
    assert chunk.to_json()["page"] == 1 and chunk.to_json()["page_end"] == 2


def test_chunks_know_the_documents_date_and_source_and_say_where_they_are():
    chunk = chunk_document(paged("第一页的内容。", "第二页的内容。"), Config())[1]
    assert (chunk.date, chunk.source) == ("2020-05-11", "藤县扶贫办")
    assert chunk.where() == "第2页 · 2020-05-11 · 藤县扶贫办"
    assert chunk.where(english=True) == "p. 2 · 2020-05-11 · 藤县扶贫办"
    assert {"page": 2, "date": "2020-05-11", "source": "藤县扶贫办"}.items() <= chunk.to_json().items()


def test_a_chunk_from_a_scanned_page_is_marked_as_ocr_and_one_from_a_text_page_is_not():
    cleaned = clean_pages(["文字页的内容。", "扫描页的内容。"])
    doc = Document(doc="a.pdf", text=cleaned.text, pages=cleaned.pages, ocr_pages=(2,), ocr=True)
    text_page, scan_page = chunk_document(doc, Config())
    assert not text_page.ocr and scan_page.ocr and scan_page.where() == "第2页 · 扫描件"


def test_a_chunk_of_a_format_without_pages_has_no_page_fields():
    chunk = chunk_document(Document(doc="a.txt", text="没有页码的文本。"), Config())[0]
    assert chunk.page is None and not {"page", "page_end", "ocr", "date", "source"} & set(chunk.to_json())


def test_chunks_stored_before_pages_existed_still_load():
    old = {"id": "c1", "doc": "a.txt", "title": "t", "section": "", "start": 0, "end": 3, "text": "正文。",
           "index_text": "正文。"}
    assert Chunk(**old).page is None


def test_a_full_line_ending_in_a_closing_quote_goes_on_unless_a_sentence_ended_inside():
    lines = [Printed("实行责任捆绑和“双线”", full=True), Printed("考核并强化结果运用。", full=False)]
    assert [p.text for p in page_texts([lines])] == ["实行责任捆绑和“双线”考核并强化结果运用。"]
    ended = [Printed("他说：“这是最后一次。”", full=True), Printed("新的一段。", full=False)]
    assert [p.text for p in page_texts([ended])][0].split("\n") == ["他说：“这是最后一次。”", "新的一段。"]


def test_contents_entries_that_fill_the_width_stay_one_a_line():
    entries = ["一、基本情况" + "." * 60 + "1", "二、主要做法" + "." * 60 + "3", "三、下一步打算" + "…" * 30 + "12"]
    assert pages_of_printed([Printed(e, full=True) for e in entries]) == entries


def test_where_openings_are_marked_a_line_ending_a_sentence_at_the_edge_goes_on_over_a_page():
    for marked in (True, False):
        first = [Printed("新的一段。", full=False, opens=True, marked=marked),
                 Printed("确保每户贫困户都有帮扶责任人。", full=True, marked=marked)]
        second = [Printed("选派了专职扶贫工作队员。", full=False, marked=marked),
                  Printed("另起一段。", full=False, opens=True, marked=marked)]
        pages = page_texts([first, second])
        assert pages[0].runs_on is marked
        assert pages_of_printed(first + second[:1])[-1].startswith("确保") is marked
