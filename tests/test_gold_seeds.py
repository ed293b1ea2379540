"""The gold set over the five seeds (eval/gold_seeds.jsonl) is what every quality claim rests on:
its answers must really be in its documents, and it must hold the mix of questions issue 7 asks for."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from rag.evaluation.gold import read_gold
from rag.text.normalize import compact, script_of

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = ROOT / "eval" / "gold_seeds.jsonl"


@pytest.fixture(scope="module")
def gold():
    return read_gold(GOLD)


@pytest.fixture(scope="module")
def seed_texts():
    return {p.name: compact(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}


def test_every_line_is_one_object_with_the_design_fields():
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        assert set(entry) == {"id", "question", "answers", "docs", "type"}


def test_ids_are_unique(gold):
    counts = Counter(item.id for item in gold)
    assert [i for i, n in counts.items() if n > 1] == []


def test_every_entry_names_source_documents_that_exist(gold, seed_texts):
    for item in gold:
        assert item.docs, item.id
        assert set(item.docs) <= set(seed_texts), item.id


def test_every_answer_occurs_in_one_of_its_documents_after_normalisation(gold, seed_texts):
    missing = [(item.id, answer) for item in gold for answer in item.answers
               if not any(compact(answer) in seed_texts[doc] for doc in item.docs)]
    assert missing == []


def test_answers_are_short_specific_spans(gold):
    assert all(0 < len(answer) <= 12 for item in gold for answer in item.answers)


def test_the_set_holds_the_mix_of_questions_the_issue_asks_for(gold):
    types = Counter(item.type for item in gold)
    assert len(gold) >= 80
    assert types["fact"] >= 40
    assert types["paraphrase"] >= 10
    assert types["traditional"] >= 10
    assert types["multi-doc"] >= 5
    assert types["unanswerable"] >= 10


def test_traditional_questions_are_written_in_traditional_script(gold):
    for item in gold:
        if item.type == "traditional":
            assert script_of(item.question) == "traditional", item.id


def test_multi_doc_questions_need_two_documents(gold):
    assert all(len(item.docs) >= 2 for item in gold if item.type == "multi-doc")


def test_exactly_the_unanswerable_questions_have_no_answers(gold):
    assert all((item.type == "unanswerable") == (not item.answers) for item in gold)


def test_paraphrases_share_few_words_with_their_source(gold, seed_texts):
    """Measured by character bigrams: a reworded question shares far fewer with the text
    than a factual one does."""
    def overlap(item):
        q = compact(item.question)
        grams = {q[i:i + 2] for i in range(len(q) - 1)}
        text = "".join(seed_texts[d] for d in item.docs)
        return sum(g in text for g in grams) / len(grams)

    paraphrase = [overlap(i) for i in gold if i.type == "paraphrase"]
    fact = [overlap(i) for i in gold if i.type == "fact"]
    assert max(paraphrase) < 0.4
    assert sum(paraphrase) / len(paraphrase) < 0.5 * sum(fact) / len(fact)
