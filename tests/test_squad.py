"""SQuAD-style benchmarks (CMRC 2018) turned into a corpus folder and a gold set."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rag.errors import EvalError
from rag.evaluation.gold import GoldItem
from rag.evaluation.squad import parse_squad, read_squad, sample_questions, write_corpus
from rag.text.normalize import compact

CMRC_DIR = Path(os.environ.get("RAG_CMRC_DIR", "/work/shared/benchmarks/cmrc2018"))

TINY = {"version": "v1.0", "data": [
    {"id": "DEV_0", "title": "战国无双3", "paragraphs": [
        {"id": "DEV_0", "context": "《战国无双3》是由光荣和ω-force开发的战国无双系列的正统第三续作。",
         "qas": [{"id": "DEV_0_QUERY_0", "question": "《战国无双3》是由哪两个公司合作开发的？",
                  "answers": [{"text": "光荣和ω-force", "answer_start": 11},
                              {"text": "光荣和ω-force", "answer_start": 11},
                              {"text": " 光荣 ", "answer_start": 11}]}]}]},
    {"title": "Normans", "paragraphs": [
        {"context": "The Normans were the people who gave their name to Normandy.",
         "qas": [{"id": "q2", "question": "Who gave their name to Normandy?",
                  "answers": [{"text": "The Normans", "answer_start": 0}]},
                 {"id": "q3", "question": "When did the Normans arrive?", "answers": []}]}]},
]}


def test_each_paragraph_becomes_a_document_named_by_its_id_with_the_title_first():
    squad = parse_squad(TINY, "tiny")
    first = squad.paragraphs[0]
    assert first.doc == "DEV_0.txt"
    assert first.text.startswith("战国无双3\n\n《战国无双3》是由光荣")


def test_paragraphs_without_ids_get_stable_ones_from_their_position():
    squad = parse_squad(TINY, "tiny")
    assert squad.paragraphs[1].doc == "tiny_1_0.txt"


def test_questions_name_their_paragraph_and_keep_each_answer_once():
    squad = parse_squad(TINY, "tiny")
    assert squad.questions[0] == GoldItem("DEV_0_QUERY_0", "《战国无双3》是由哪两个公司合作开发的？",
                                          ("光荣和ω-force", "光荣"), ("DEV_0.txt",), "tiny")


def test_a_question_without_answers_is_unanswerable():
    q3 = parse_squad(TINY, "tiny").questions[-1]
    assert q3.answers == () and q3.type == "unanswerable" and q3.docs == ("tiny_1_0.txt",)


def test_the_corpus_is_written_once_and_left_alone_when_unchanged(tmp_path):
    squad = parse_squad(TINY, "tiny")
    write_corpus(squad.paragraphs, tmp_path)
    first = tmp_path / "DEV_0.txt"
    os.utime(first, (1, 1))
    write_corpus(squad.paragraphs, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DEV_0.txt", "tiny_1_0.txt"]
    assert first.stat().st_mtime == 1


def test_a_sample_is_fixed_by_its_seed_and_kept_in_file_order():
    items = [GoldItem(str(i), f"q{i}", ("a",)) for i in range(100)]
    a, b = sample_questions(items, 10, seed=0), sample_questions(items, 10, seed=0)
    assert a == b and len(a) == 10
    assert [int(i.id) for i in a] == sorted(int(i.id) for i in a)
    assert sample_questions(items, 10, seed=1) != a
    assert sample_questions(items, 500) == items


def test_a_file_that_is_not_squad_style_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"questions": []}), encoding="utf-8")
    with pytest.raises(EvalError, match="bad.json: not SQuAD-style"):
        read_squad(bad)
    with pytest.raises(EvalError, match="not found"):
        read_squad(tmp_path / "missing.json")


def test_paragraph_ids_must_be_unique_to_name_documents(tmp_path):
    twice = {"data": [TINY["data"][0], TINY["data"][0]]}
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(twice, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(EvalError, match="not unique"):
        read_squad(path)


@pytest.mark.skipif(not (CMRC_DIR / "cmrc2018_dev.json").exists(), reason="CMRC 2018 data not available here")
def test_the_cmrc_dev_set_converts_to_848_documents_and_3219_answerable_questions():
    squad = read_squad(CMRC_DIR / "cmrc2018_dev.json")
    assert (len(squad.paragraphs), len(squad.questions)) == (848, 3219)
    texts = {p.doc: compact(p.text) for p in squad.paragraphs}
    assert all(q.answers and any(compact(a) in texts[q.docs[0]] for a in q.answers) for q in squad.questions)


def _many_paragraphs(n: int) -> dict:
    return {"data": [{"title": f"条目{i}", "paragraphs": [{"id": f"P{i}", "context": f"第{i}段的内容。", "qas": [
        {"id": f"P{i}_Q0", "question": f"第{i}段说了什么？", "answers": [{"text": f"第{i}段", "answer_start": 0}]},
        {"id": f"P{i}_Q1", "question": f"第{i}段是哪段？", "answers": [{"text": f"{i}", "answer_start": 1}]}]}]}
        for i in range(n)]}


def test_held_out_questions_lose_their_paragraphs_and_must_be_refused():
    from rag.evaluation.squad import hold_out

    squad = hold_out(parse_squad(_many_paragraphs(10), "many"), 3, seed=0)
    negatives = [q for q in squad.questions if not q.answers]
    gone = {p.doc for p in parse_squad(_many_paragraphs(10), "many").paragraphs} - {p.doc for p in squad.paragraphs}
    assert len(negatives) == 3 and len(gone) == 3
    assert all(q.type == "unanswerable" and not q.docs for q in negatives)
    # a question whose paragraph was left out is either a negative or gone, never answerable
    assert not [q for q in squad.questions if q.answers and set(q.docs) & gone]
    assert len(squad.questions) == 20 - 6 + 3
    assert squad.name == "many-minus3-seed0"


def test_holding_out_is_fixed_by_the_seed_and_bounded():
    from rag.evaluation.squad import hold_out

    base = parse_squad(_many_paragraphs(10), "many")
    assert hold_out(base, 3, seed=1) == hold_out(base, 3, seed=1)
    with pytest.raises(EvalError, match="between 1 and"):
        hold_out(base, 20)


def _articles(n: int) -> dict:
    """n articles of two paragraphs each: a typed question (who) and an open one (why) on each."""
    def paragraph(i: int, j: int) -> dict:
        return {"id": f"A{i}P{j}", "context": f"第{i}条第{j}段：张{i}{j}主持了会议，因为需要。", "qas": [
            {"id": f"A{i}P{j}_who", "question": f"谁主持了第{i}条第{j}段的会议？",
             "answers": [{"text": f"张{i}{j}", "answer_start": 7}]},
            {"id": f"A{i}P{j}_why", "question": f"第{i}条第{j}段为什么开会？",
             "answers": [{"text": "需要", "answer_start": 16}]}]}
    return {"data": [{"title": f"条目{i}", "paragraphs": [paragraph(i, 0), paragraph(i, 1)]} for i in range(n)]
            + [{"title": "独段", "paragraphs": [{"id": "solo", "context": "李四主持。", "qas": [
                {"id": "solo_who", "question": "谁主持？", "answers": [{"text": "李四", "answer_start": 0}]}]}]}]}


def test_typed_negatives_ask_for_a_type_and_keep_their_articles_other_paragraphs():
    from rag.evaluation.squad import hold_out

    base = parse_squad(_articles(6), "news")
    squad = hold_out(base, 4, seed=0, typed=True)
    negatives = [q for q in squad.questions if not q.answers]
    assert len(negatives) == 4 and all(q.id.endswith("_who") and q.id != "solo_who" for q in negatives)
    kept_titles = {p.title for p in squad.paragraphs}
    assert all(f"条目{q.id[1]}" in kept_titles for q in negatives)
    assert squad.name == "news-minus4typed-seed0"
