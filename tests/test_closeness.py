"""Passage sentences ranked by meaning as well as by the question's words: a reworded question's
answer sentence shares few words with it, and the embedder that ranked the passages finds it."""

import numpy as np
import pytest
from fake_generator import ScriptedGenerator, fake_search
from fakes import FakeEmbedder

from rag.answer.answerer import Answerer

from rag.answer.closeness import EmbedderCloseness
from rag.answer.extract import CLOSENESS_POOL, candidates, closest_sentence
from rag.answer.prompt import key_sentence
from rag.answer.shown import focus
from rag.config import Config
from rag.types import Chunk, Hit

QUESTION = "下雨的话运动会怎么安排？"
PASSAGE = ("运动会安排在体育中心举行，共设十二个项目。如遇降雨，比赛顺延至次日上午进行。"
           "报名截止日期为本月二十日。")


def _hits(text: str = PASSAGE) -> list[Hit]:
    return [Hit(Chunk("c", "sports.txt", "秋季运动会通知", "", 0, len(text), text, ""), 1.0, 1)]


def _closer_to(sentence_part: str):
    """A closeness that finds only the sentence holding `sentence_part` near the question."""
    def closeness(question, texts):
        return [0.90 if sentence_part in t else 0.80 for t in texts]
    return closeness


def test_the_sentence_closest_in_meaning_outranks_one_sharing_more_words():
    assert "运动会安排" in candidates(QUESTION, _hits())[0].text  # by words alone: the wrong one
    assert "降雨" in candidates(QUESTION, _hits(), _closer_to("降雨"))[0].text


def test_the_key_sentence_follows_the_meaning_ranking():
    ranked = candidates(QUESTION, _hits(), _closer_to("降雨"))
    assert "降雨" in key_sentence(QUESTION, focus(_hits(), ranked, cap=0), _closer_to("降雨"))


def test_the_closest_sentence_is_the_nearest_in_meaning_and_nothing_without_sentences():
    assert closest_sentence(QUESTION, _hits(), _closer_to("降雨")) == 0.90
    assert closest_sentence(QUESTION, [], _closer_to("降雨")) == 0.0


def test_only_the_best_covering_sentences_are_encoded():
    text = "".join(f"第{i}项运动会比赛在{i}号场地进行。" for i in range(CLOSENESS_POOL + 8))
    seen = []

    def closeness(question, texts):
        seen.extend(texts)
        return [0.8] * len(texts)

    ranked = candidates(QUESTION, _hits(text), closeness)
    assert len(seen) == CLOSENESS_POOL and len(ranked) == CLOSENESS_POOL + 8


def test_each_question_and_sentence_pair_is_encoded_once():
    embedder = FakeEmbedder()
    closeness = EmbedderCloseness(lambda: embedder)
    first = closeness("问题", ["甲句。", "乙句。"])
    again = closeness("问题", ["乙句。", "丙句。"])
    assert embedder.encoded == ["甲句。", "乙句。", "丙句。"]
    assert again[0] == pytest.approx(first[1])


def test_the_embedder_is_not_loaded_until_a_sentence_is_ranked():
    loaded = []
    EmbedderCloseness(lambda: loaded.append(1) or FakeEmbedder())
    assert loaded == []


def _answerer_recording(asked: list) -> Answerer:
    def closeness(question, texts):
        asked.append(question)
        return [0.8] * len(texts)
    return Answerer(Config(), fake_search(), ScriptedGenerator("藤县的贫困发生率下降至0.59%[1]。"), closeness)


def test_the_answer_prompt_ranks_sentences_by_meaning():
    asked = []
    _answerer_recording(asked).ask("藤县的贫困发生率下降到了多少?")
    assert asked


def test_the_extract_mode_stays_fast_by_words_alone():
    asked = []
    answer = _answerer_recording(asked).ask("藤县的贫困发生率下降到了多少?", mode="extract")
    assert "0.59%" in answer.text and asked == []


@pytest.mark.models
def test_real_e5_finds_the_reworded_questions_sentence(models_config):
    from rag.models.embedder import make_embedder

    e5 = make_embedder(models_config)
    sentences = ["运动会安排在体育中心举行，共设十二个项目。", "如遇降雨，比赛顺延至次日上午进行。", "报名截止日期为本月二十日。"]
    cosines = EmbedderCloseness(lambda: e5)(QUESTION, sentences)
    assert int(np.argmax(cosines)) == 1
