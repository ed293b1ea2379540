"""Chunking: sentence-aligned spans of the cleaned text, inside sections, with their paths."""

from __future__ import annotations

import re

import pytest

from rag.config import Config
from rag.errors import ConfigError
from rag.ingest.chunk import chunk_document, index_text
from rag.ingest.sections import find_sections
from rag.text.sentences import sentences
from rag.types import Document

CONFIG = Config(chunk_size=120, chunk_min=30, chunk_overlap=1)


def doc_of(text: str, title: str = "测试文档") -> Document:
    return Document(doc="dir/test.txt", text=text, title=title)


def paths(text: str) -> list[str]:
    return [" > ".join(s.path) for s in find_sections(text) if s.path]


def sentence(n: int, length: int = 40) -> str:
    """A distinct sentence of `length` characters ending in 。"""
    body = f"第{n}句话讲述扶贫工作的具体情况"
    return (body * (length // len(body) + 1))[: length - 1] + "。"


# --- sentences ------------------------------------------------------------------------------------
def spans_text(text: str) -> list[str]:
    return [text[s.start:s.end] for s in sentences(text)]


def test_sentences_end_at_chinese_and_half_width_marks():
    assert spans_text("一句。二句!三句?四句;五句……六句") == ["一句。", "二句!", "三句?", "四句;", "五句……", "六句"]


def test_a_sentence_end_inside_quotes_does_not_split():
    text = "“到2020年贫困人口全部脱贫,是我们党立下的军令状。”3月8日,总书记指出。"
    assert spans_text(text) == ["“到2020年贫困人口全部脱贫,是我们党立下的军令状。”", "3月8日,总书记指出。"]


def test_decimal_numbers_are_never_split():
    assert spans_text("发生率下降至0.59%。累计12.2万人。") == ["发生率下降至0.59%。", "累计12.2万人。"]


def test_a_paragraph_break_always_ends_a_sentence():
    assert spans_text("没有句号的标题\n\n正文。") == ["没有句号的标题", "正文。"]


# --- chunks as spans ------------------------------------------------------------------------------
def long_text() -> str:
    return "\n\n".join(["一、第一部分", "".join(sentence(i) for i in range(1, 8)),
                        "二、第二部分", "".join(sentence(i) for i in range(8, 12))])


def test_chunk_text_is_exactly_the_span_of_the_document_text():
    doc = doc_of(long_text())
    for chunk in chunk_document(doc, CONFIG):
        assert doc.text[chunk.start:chunk.end] == chunk.text
        assert chunk.doc == "dir/test.txt" and chunk.title == "测试文档"


def test_chunks_start_and_end_on_sentence_boundaries():
    doc = doc_of(long_text())
    spans = sentences(doc.text)
    starts, ends = {s.start for s in spans}, {s.end for s in spans}
    for chunk in chunk_document(doc, CONFIG):
        assert chunk.start in starts and chunk.end in ends


def test_chunks_keep_to_the_target_size():
    chunks = chunk_document(doc_of(long_text()), CONFIG)
    assert len(chunks) > 2
    assert all(len(c.text) <= CONFIG.chunk_size + CONFIG.chunk_min for c in chunks)


def test_every_sentence_is_in_some_chunk():
    doc = doc_of(long_text())
    covered = [(c.start, c.end) for c in chunk_document(doc, CONFIG)]
    for s in sentences(doc.text):
        assert any(a <= s.start and s.end <= b for a, b in covered), doc.text[s.start:s.end]


def test_ids_are_stable_and_depend_on_the_text():
    first = [c.id for c in chunk_document(doc_of(long_text()), CONFIG)]
    again = [c.id for c in chunk_document(doc_of(long_text()), CONFIG)]
    other = [c.id for c in chunk_document(doc_of(long_text().replace("第1句", "第一句")), CONFIG)]
    assert first == again and first[0] != other[0]
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in first) and len(set(first)) == len(first)


def test_index_text_prepends_title_and_section_path():
    chunk = chunk_document(doc_of("一、总体情况\n\n" + sentence(1)), CONFIG)[0]
    assert chunk.section == "一、总体情况"
    assert chunk.index_text == f"测试文档\n一、总体情况\n{chunk.text}"


def test_index_text_says_a_title_that_is_also_the_first_heading_once():
    assert index_text("坚持以人民为中心", "坚持以人民为中心 > 健全组织", "正文。") == "坚持以人民为中心 > 健全组织\n正文。"


def test_overlap_carries_the_last_sentence_into_the_next_chunk():
    text = "".join(sentence(i) for i in range(1, 7))
    first, second = chunk_document(doc_of(text), CONFIG)[:2]
    last_sentence = sentences(first.text)[-1]
    assert second.text.startswith(first.text[last_sentence.start:last_sentence.end])


def test_no_overlap_when_set_to_zero():
    chunks = chunk_document(doc_of("".join(sentence(i) for i in range(1, 7))), CONFIG.replace(chunk_overlap=0))
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))


def test_a_tiny_tail_joins_the_chunk_before_it():
    text = sentence(1, 60) + sentence(2, 50) + sentence(3, 12)
    chunks = chunk_document(doc_of(text), CONFIG.replace(chunk_overlap=0))
    assert len(chunks) == 1 and chunks[0].text == text


def test_a_sentence_longer_than_the_limit_is_cut_only_at_clause_marks_outside_numbers():
    clauses = [f"第{i}项资金共计1,250万元用于道路建设" for i in range(12)]
    text = ",".join(clauses) + "。"
    chunks = chunk_document(doc_of(text), CONFIG.replace(chunk_overlap=0))
    assert len(chunks) > 1 and "".join(c.text for c in chunks).replace(",", "") == text.replace(",", "")
    assert all(c.text.endswith((",", "。")) and "1,250万元" in c.text for c in chunks)


def test_a_heading_is_never_a_chunk_of_its_own():
    text = "一、总体情况\n\n(一)基本情况\n\n" + sentence(1) + "\n\n(二)空的小节\n\n(三)另一小节\n\n" + sentence(2)
    chunks = chunk_document(doc_of(text), CONFIG)
    assert [c.section for c in chunks] == ["一、总体情况 > (一)基本情况", "一、总体情况 > (三)另一小节"]
    assert chunks[0].text.startswith("一、总体情况\n\n(一)基本情况") and chunks[1].text.startswith("(二)空的小节")


def test_headings_at_the_end_join_the_last_chunk():
    text = "一、总体情况\n\n" + sentence(1) + "\n\n二、无内容"
    chunks = chunk_document(doc_of(text), CONFIG)
    assert len(chunks) == 1 and chunks[0].text.endswith("二、无内容")


def test_empty_text_gives_no_chunks():
    assert chunk_document(doc_of(""), CONFIG) == []


def test_text_without_headings_has_an_empty_section_path():
    chunks = chunk_document(doc_of(sentence(1)), CONFIG)
    assert [c.section for c in chunks] == [""]


@pytest.mark.parametrize("change", [{"chunk_size": 10}, {"chunk_min": 500}, {"chunk_overlap": -1}])
def test_impossible_chunk_settings_are_refused_by_name(change):
    with pytest.raises(ConfigError, match=next(iter(change))):
        chunk_document(doc_of(sentence(1)), CONFIG.replace(**change))


# --- section headings -----------------------------------------------------------------------------
BODY = "这里是一段足够长的正文内容,用来说明上面的标题确实带着一段文字。"


def test_numbered_outline_nests_by_rank():
    text = "\n\n".join(["一、总体", "(一)甲项。" + BODY, "(二)乙项。" + BODY, "二、措施", "（一）丙项。" + BODY])
    assert paths(text) == ["一、总体", "一、总体 > (一)甲项", "一、总体 > (二)乙项", "二、措施", "二、措施 > （一）丙项"]


def test_chapters_and_markdown_headings_are_sections():
    assert paths("第一章 总则\n\n" + BODY + "\n\n第二章 附则\n\n" + BODY) == ["第一章 总则", "第二章 附则"]
    assert paths("# 标题\n\n## 甲\n\n" + BODY + "\n\n### 甲一\n\n" + BODY + "\n\n## 乙\n\n" + BODY) == [
        "甲", "甲 > 甲一", "乙"]


def test_a_numeral_alone_takes_the_next_short_line_as_its_title():
    assert paths("01\n\n全县基本情况\n\n" + BODY + "\n\n02\n\n重点工作\n\n" + BODY) == ["01 全县基本情况", "02 重点工作"]


def test_short_unpunctuated_lines_between_paragraphs_are_headings():
    assert paths("“实”字当头,把责任扛在肩上\n\n" + BODY + "\n\n夯实脱贫根基\n\n" + BODY) == [
        "“实”字当头,把责任扛在肩上", "夯实脱贫根基"]


def test_a_short_line_followed_by_another_short_line_is_not_a_heading():
    assert paths("黔江区发力推进精准扶贫\n\n夯实脱贫根基\n\n" + BODY) == ["夯实脱贫根基"]


def test_a_one_off_kicker_line_does_not_contain_the_numbered_outline():
    text = "黔江区发力推进精准扶贫\n\n22.12.2015 18:31\n\n夯实脱贫根基\n\n" + BODY + "\n\n一、甲\n\n" + BODY + "\n\n二、乙\n\n" + BODY
    assert paths(text) == ["夯实脱贫根基", "一、甲", "二、乙"]


def test_short_period_lines_are_headings_only_as_a_series():
    series = "全力推进基础扶贫。\n\n" + BODY + "\n\n全力推进民生扶贫。\n\n" + BODY
    assert paths(series) == ["全力推进基础扶贫", "全力推进民生扶贫"]
    assert paths("众人拾柴火焰高。\n\n" + BODY + "\n\n" + BODY) == []


def test_parallel_lead_sentences_are_topics_and_a_lone_one_is_not():
    leads = "瞄准扶贫对象,政策措施落地落实。" + BODY + "\n\n紧盯问题短板,四大战役到点到位。" + BODY
    assert paths(leads) == ["瞄准扶贫对象,政策措施落地落实", "紧盯问题短板,四大战役到点到位"]
    unparallel = "田间地头,村民正在播种希望的种子。" + BODY + "\n\n扶真贫真扶贫,摸清家底是基础。" + BODY
    assert paths(unparallel) == []


def test_yi_shi_er_shi_items_are_sub_items_even_mid_paragraph():
    text = "一、措施\n\n一是抓好产业。" + BODY + "\n\n二是加大就业。" + BODY + "三是强化兜底。" + BODY
    assert paths(text) == ["一、措施", "一、措施 > 一是抓好产业", "一、措施 > 二是加大就业", "一、措施 > 三是强化兜底"]


def test_a_lone_yi_shi_is_not_an_item():
    assert paths("一、措施\n\n一是抓好产业。" + BODY + "\n\n" + BODY) == ["一、措施"]


def test_a_question_with_speaker_and_answer_stays_one_unit():
    text = "\n\n".join(["资金是怎么构成的,主要用于哪些方面?", "扶贫开发办公室副主任黎泽伦",
                      "一是用于产业。" + BODY, "二是用于道路。" + BODY, "下一个问题是什么?", "办公室主任 蒙志鸿", BODY])
    sections = [s for s in find_sections(text) if s.path]
    assert [s.path for s in sections] == [("资金是怎么构成的,主要用于哪些方面?",), ("下一个问题是什么?",)]
    assert "二是用于道路" in text[sections[0].start:sections[0].end]


def test_a_question_in_the_prose_is_not_a_heading():
    assert paths("如何脱贫?靠什么脱贫?\n\n" + BODY) == []


def test_the_title_line_is_not_a_section_unless_its_kind_recurs():
    assert paths("藤县五大举措打赢脱贫攻坚收官之战\n\n" + BODY) == []
    two = "坚持以人民为中心\n\n" + BODY + "\n\n坚持聚焦目标标准\n\n" + BODY
    assert paths(two) == ["坚持以人民为中心", "坚持聚焦目标标准"]


# --- the real embedder ----------------------------------------------------------------------------
@pytest.mark.models
def test_seed_chunks_fit_the_real_embedder_and_find_their_passage(models_config, seeds_dir):
    """Every chunk's index_text fits the e5 window (nothing truncated), and a question about one
    item of seed 002 retrieves that item's chunk first with the real model."""
    from sentence_transformers import SentenceTransformer

    from rag.ingest.load import load_paths
    from rag.models.registry import resolve_model

    model = SentenceTransformer(resolve_model(models_config.embed_model, models_config), device="cpu")
    docs = load_paths([seeds_dir], models_config)
    chunks = [c for d in docs for c in chunk_document(d, models_config)]
    longest = max(len(model.tokenizer(c.index_text)["input_ids"]) for c in chunks)
    assert longest <= model.max_seq_length
    seed = [c for c in chunks if c.doc == "002_56ffc93fffebd40f.txt"]
    vectors = model.encode_document([c.index_text for c in seed], normalize_embeddings=True)
    query = model.encode_query("黔江区贫困户购买合作医疗保险,每档每年资助多少钱?", normalize_embeddings=True)
    assert "(三)出台社会保障两项政策" in seed[int((vectors @ query).argmax())].section
