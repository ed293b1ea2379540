"""The chat's HTML: answers whose [n] lead to their passages, highlighted supporting spans,
refusals that look different and list possibly related passages, escaped text everywhere."""

from __future__ import annotations

import re

from rag.types import Answer, Chunk, Citation, Hit
from rag.ui.render import (
    RELATED_LABEL,
    anchor_id,
    answer_html,
    error_html,
    highlight,
    link_markers,
    merge_spans,
    streaming_html,
)

PASSAGE = "藤县经过四年全力攻坚，贫困发生率下降至0.59%。累计实现12.2万贫困人口减贫。"


def chunk(doc="000.txt", text=PASSAGE, section="导语 > 成效") -> Chunk:
    return Chunk("c1", doc, "藤县五大举措", section, 0, len(text), text, text)


SPAN = (PASSAGE.index("0.59%"), PASSAGE.index("0.59%") + len("0.59%"))


def answer(text="贫困发生率下降至0.59%[1]。", spans=(SPAN,), refused=False) -> Answer:
    citations = () if refused else (Citation(1, chunk(), spans),)
    hits = (Hit(chunk(), 0.9, 1), Hit(chunk("002.txt", "黔江区投入资金6.8亿元。"), 0.5, 2))
    return Answer("藤县的贫困发生率下降到了多少?", text, refused, citations, hits, {"total": 3200.0})


def test_highlight_wraps_the_supporting_span_in_mark():
    assert highlight("下降至0.59%。", [(3, 8)]) == '下降至<mark class="rag-span">0.59%</mark>。'


def test_highlight_escapes_html_in_the_passage():
    assert highlight("<b>x</b>", []) == "&lt;b&gt;x&lt;/b&gt;"


def test_overlapping_and_out_of_range_spans_are_merged_and_clamped():
    assert merge_spans([(5, 9), (0, 3), (2, 4), (8, 50), (7, 7)], length=20) == [(0, 4), (5, 20)]


def test_a_marker_links_to_the_passage_of_the_same_turn():
    html = link_markers("下降至0.59%[1]。", turn=3, cited=[1])
    assert f'<a class="rag-ref" href="#{anchor_id(3, 1)}"' in html
    assert html.startswith("下降至0.59%") and html.endswith("</a>。")


def test_a_grouped_marker_becomes_one_link_per_cited_passage():
    html = link_markers("见【1、2】和[1,3]", turn=1, cited=[1, 2])
    assert re.findall(r'href="#rag-t1-c(\d)"', html) == ["1", "2", "1"]
    assert "3" not in re.sub(r"<[^>]+>", "", html).replace("[1]", "").replace("[2]", "")


def test_answer_text_is_escaped_before_linking():
    assert "&lt;script&gt;" in link_markers("<script>[1]", turn=1, cited=[1])


def test_an_answer_shows_each_cited_passage_under_the_id_its_marker_points_to():
    html = answer_html(answer(), turn=2)
    href = re.search(r'href="#([^"]+)"', html).group(1)
    assert f'id="{href}"' in html
    assert "藤县五大举措" in html and "导语 › 成效" in html and "000.txt" in html
    assert '<mark class="rag-span">0.59%</mark>' in html


def test_an_answer_is_one_html_block_so_markdown_leaves_it_alone():
    assert "\n" not in answer_html(answer(text="第一行\n\n第二行[1]"), turn=1)


def test_a_refusal_looks_different_and_lists_possibly_related_passages():
    html = answer_html(answer(text="资料中没有找到相关信息", refused=True), turn=1)
    assert "rag-refused" in html and RELATED_LABEL in html
    assert "黔江区投入资金6.8亿元" in html
    assert 'class="rag-ref"' not in html


def test_an_answer_is_not_styled_as_a_refusal():
    assert "rag-refused" not in answer_html(answer(), turn=1)


def test_streaming_text_is_escaped_and_not_yet_linked():
    html = streaming_html("下降至<0.59%>[1")
    assert "&lt;0.59%&gt;" in html and 'class="rag-ref"' not in html


def test_an_error_names_the_problem_escaped():
    html = error_html("model '<x>' is missing: run `rag setup`")
    assert "rag-error" in html and "&lt;x&gt;" in html and "rag setup" in html


def test_a_rewritten_follow_up_shows_the_query_that_was_searched():
    followup = Answer("那安岳县呢?", "……[1]", False, (Citation(1, chunk()),), query="安岳县的贫困发生率下降到了多少?")
    assert '<span class="rag-query">安岳县的贫困发生率下降到了多少?</span>' in answer_html(followup, turn=2)
    assert "rag-query" not in answer_html(answer(), turn=1)


def test_paragraph_breaks_in_a_passage_become_single_line_breaks():
    cited = Answer("q", "x[1]", False, (Citation(1, chunk(text="标题\n\n正文。")),))
    assert "标题<br>正文。" in answer_html(cited, turn=1)


def test_a_passages_markdown_heading_is_shown_as_a_heading_without_its_marks():
    cited = Answer("q", "x[1]", False, (Citation(1, chunk(text="## 二、各乡镇主要指标\n\n乡镇：青禾镇，户数：592")),))
    html = answer_html(cited, turn=1)
    assert '<b class="rag-passage-heading">二、各乡镇主要指标</b><br>乡镇：青禾镇' in html and "##" not in html


def test_a_heading_inside_the_highlighted_span_loses_its_marks_too():
    text = "## 二、各乡镇主要指标\n东湖镇粮食产量为3.2万吨。"
    html = answer_html(Answer("q", "x[1]", False, (Citation(1, chunk(text=text), ((0, len(text)),)),)), turn=1)
    assert '<mark class="rag-span"><b class="rag-passage-heading">二、各乡镇主要指标</b>' in html and "##" not in html


def test_a_citation_names_the_page_and_says_it_came_from_a_scan():
    from dataclasses import replace

    scan = replace(chunk("notice.pdf"), page=3, ocr=True, date="2020-05-11", source="平南县乡村振兴局")
    html = answer_html(Answer("问", "下降至0.59%[1]。", False, (Citation(1, scan, (SPAN,)),)), turn=1)
    assert '<span class="rag-where">第3页 · 扫描件 · 2020-05-11 · 平南县乡村振兴局</span>' in html


def test_a_citation_without_pages_or_dates_says_nothing_more():
    assert "rag-where" not in answer_html(answer(), turn=1)


def test_an_approved_faq_answer_says_so():
    faq = Answer("社保卡丢了怎么办？", "携带身份证补办[1]。", False, (Citation(1, chunk()),), mode="faq")
    assert "常见问题的标准答案" in answer_html(faq, turn=1)


def test_a_web_pages_citation_links_to_the_page():
    from dataclasses import replace

    page = replace(chunk("page-1.html"), source="https://www.example.gov.cn/news/a.html?x=1&y=2", date="2024-03-15")
    html = answer_html(Answer("问", "下降至0.59%[1]。", False, (Citation(1, page, (SPAN,)),)), turn=1)
    assert ('<a class="rag-url" href="https://www.example.gov.cn/news/a.html?x=1&amp;y=2" target="_blank" '
            'rel="noopener">') in html and "2024-03-15 · <a" in html
