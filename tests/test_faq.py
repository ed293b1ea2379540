"""FAQ entries: a question close to an entry's question (in meaning and in words) gets the entry's
approved answer word for word, cited to its row, without the model; anything else goes the
normal way. Fast tests here use a scripted closeness; the real embedder's floors are calibrated
in eval/notes/faq.md and checked by the `models` test at the end."""

from __future__ import annotations

import pytest
from fake_generator import ScriptedGenerator, _chunk, fake_search

from rag.answer.answerer import Answerer
from rag.answer.faq import entries
from rag.config import Config
from rag.types import Hit

ROWS = ("问题：社保卡丢了怎么补办？，答案：携带本人身份证到任一社保服务网点申请补卡，补卡工本费20元。\n\n"
        "问题：新生儿如何办理户口登记？，答案：新生儿出生后一个月内，由父母一方持出生医学证明到派出所办理。")
FAQ = _chunk(9, "常见问题.csv", "常见问题", "", ROWS)
SOCIAL = "携带本人身份证到任一社保服务网点申请补卡，补卡工本费20元。"


def close_to(stored: str, cosine: float):
    """A closeness that finds `stored` (an entry's question) `cosine` close, the rest far."""
    return lambda question, texts: [cosine if t == stored else 0.5 for t in texts]


def answerer(cosine: float, reply: str = "资料中没有找到相关信息", **settings) -> tuple[Answerer, ScriptedGenerator]:
    generator = ScriptedGenerator(reply)
    config = Config(**settings)
    return Answerer(config, fake_search([FAQ]), generator, closeness=close_to("社保卡丢了怎么补办？", cosine)), generator


def test_the_rows_of_a_question_answer_table_are_entries_with_their_spans():
    found = entries([Hit(FAQ, 1.0, 1)])
    assert [(e.question, e.answer) for e in found] == [
        ("社保卡丢了怎么补办？", SOCIAL),
        ("新生儿如何办理户口登记？", "新生儿出生后一个月内，由父母一方持出生医学证明到派出所办理。")]
    start, end = found[0].span
    assert ROWS[start:end].startswith("问题：社保卡") and ROWS[start:end].endswith("20元。")


def test_a_question_close_to_an_entry_gets_its_approved_answer_word_for_word_without_the_model():
    ask, generator = answerer(0.95)
    answer = ask.ask("社保卡不见了要怎么重新办理？")
    assert answer.mode == "faq" and not answer.refused
    assert answer.text == "携带本人身份证到任一社保服务网点申请补卡，补卡工本费20元[1]。"
    (citation,) = answer.citations
    start, end = citation.spans[0]
    assert citation.chunk.doc == "常见问题.csv" and SOCIAL in citation.chunk.text[start:end]
    assert generator.calls == [] and answer.doubts["faq_closeness"] == 0.95


def test_a_question_not_close_enough_goes_the_normal_way_with_the_entry_as_a_passage():
    ask, generator = answerer(0.80, "补卡工本费20元[1]。")
    answer = ask.ask("社保卡补卡工本费多少钱？")
    assert answer.mode == "generate" and answer.text == "补卡工本费20元[1]。" and generator.calls


def test_both_floors_must_be_cleared():
    ask, generator = answerer(0.95, faq_min_coverage=0.99)  # close in meaning, but too few shared words
    assert ask.ask("社保卡不见了要怎么重新办理？").mode != "faq"


@pytest.mark.models
def test_the_real_embedder_gives_an_entry_to_its_paraphrase_and_not_to_a_near_miss(tmp_path, models_config):
    from rag.pipeline import Rag

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "常见问题.csv").write_text("问题,答案\n社保卡丢了怎么补办？,携带本人身份证到任一社保服务网点申请补卡，"
                                                 "补卡工本费20元。\n新生儿如何办理户口登记？,新生儿出生后一个月内到派出所办理出生登记。\n",
                                                 encoding="utf-8")
    rag = Rag(models_config.replace(index_dir=str(tmp_path / "index")))
    rag.index([tmp_path / "docs"])
    assert rag.ask("我的社会保障卡遗失了，去哪里补？", mode="extract").mode == "faq"
    assert rag.ask("新生儿医保怎么办理？", mode="extract").mode != "faq"


def test_a_row_longer_than_a_chunk_is_no_entry_for_it_may_have_been_cut():
    long_row = _chunk(8, "常见问题.csv", "常见问题", "", "问题：社保卡丢了怎么补办？，答案：" + "携带身份证办理。" * 40)
    assert entries([Hit(long_row, 1.0, 1)], whole=260) == []


def test_a_table_row_that_fits_a_chunk_is_never_cut_between_chunks():
    from rag.config import Config as Settings
    from rag.ingest.chunk import chunk_document
    from rag.types import Document

    rows = "\n\n".join(f"问题：第{n}个问题是什么？，答案：这是第{n}个答案。它有两句话，第二句说明办理地点。" for n in range(12))
    chunks = chunk_document(Document(doc="faq.csv", text=rows, title="faq"), Settings())
    assert len(chunks) > 1
    for chunk in chunks:
        for line in filter(None, chunk.text.split("\n")):
            assert line.startswith("问题：") and line.endswith("办理地点。"), line
