"""Extractive answers: the passage sentence that plainly answers, found without a model; and
the evidence strength that decides refusals before generation."""

import pytest
from fake_generator import CORPUS, fake_search

from rag.answer.extract import assess, candidates, extract_answer
from rag.types import Chunk, Hit

search = fake_search()


def test_the_sentence_holding_the_asked_number_is_extracted():
    best = extract_answer("藤县的贫困发生率下降到了多少?", search("藤县的贫困发生率下降到了多少?"), 0.6)[0]
    assert "0.59%" in best.text and best.n == 1
    assert search("藤县")[0].chunk.text[best.span[0]:best.span[1]] == best.text


def test_a_traditional_script_question_finds_a_traditional_passage():
    question = "安嶽縣確定了多少個貧困村?"
    best = extract_answer(question, search(question), 0.6)[0]
    assert "162" in best.text


def test_nothing_is_extracted_when_no_sentence_plainly_answers():
    question = "藤县2020年的GDP是多少?"
    assert extract_answer(question, search(question), 0.6) == []


def test_a_sentence_that_only_repeats_the_question_loses_to_its_answer():
    chunk = Chunk("q", "001.txt", "新闻发布会", "答记者问", 0, 60,
                  "记者:安岳县今年计划完成多少公里通村公路?\n蒙志鸿:今年计划完成通村通社公路建设97.05公里。", "")
    ranked = candidates("安岳县今年计划完成多少公里通村公路?", [Hit(chunk, 1.0, 1)])
    assert "97.05" in ranked[0].text


def test_a_number_question_prefers_the_sentence_with_a_number():
    chunk = Chunk("n", "d.txt", "黔江区", "", 0, 80,
                  "黔江区召开脱贫攻坚动员誓师大会。黔江区层层召开动员会、培训会1991次。", "")
    assert "1991" in candidates("黔江区召开了多少次动员会?", [Hit(chunk, 1.0, 1)])[0].text


def test_evidence_is_strong_when_a_passage_covers_the_question():
    evidence = assess("藤县的贫困发生率下降到了多少?", search("藤县的贫困发生率下降到了多少?"))
    assert evidence.coverage == 1.0 and evidence.score == pytest.approx(0.95)


def test_evidence_is_weak_when_the_key_term_is_missing_everywhere():
    assert assess("藤县2020年的GDP是多少?", search("藤县2020年的GDP是多少?")).coverage < 0.5


def test_no_hits_is_no_evidence():
    assert assess("藤县的贫困发生率", []).coverage == 0.0
    assert len(CORPUS) == 4


def test_a_passage_about_another_place_does_not_answer():
    question = "黔江区的贫困发生率是多少?"
    about, hits = frozenset({"002_56ffc93fffebd40f.txt"}), search(question)
    assert {h.chunk.doc for h in hits} - about  # passages about other places are retrieved
    assert all(hits[e.n - 1].chunk.doc in about for e in extract_answer(question, hits, 0.0, about))
