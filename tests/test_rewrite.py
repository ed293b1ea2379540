"""Follow-up questions become standalone queries before retrieval."""

import pytest

from rag.retrieval.followup import rewrite_followup, standalone_query

FIRST = "藤县的贫困发生率下降到了多少?"


def test_without_history_the_question_is_the_query():
    assert standalone_query(" 那安岳县呢? ") == "那安岳县呢?"


def test_a_new_place_replaces_the_place_of_the_previous_question():
    assert standalone_query("那安岳县呢?", [(FIRST, "0.59%[1]")]) == "安岳县的贫困发生率下降到了多少?"


def test_a_traditional_script_follow_up_is_understood():
    assert standalone_query("那安嶽縣呢？", [(FIRST, "0.59%[1]")]) == "安岳县的贫困发生率下降到了多少?"


def test_a_pronoun_is_replaced_by_the_previous_subject():
    assert rewrite_followup("它有多少个贫困村出列?", FIRST) == "藤县有多少个贫困村出列?"


def test_a_question_without_a_subject_gets_the_previous_one():
    assert rewrite_followup("还有哪些措施?", FIRST) == "藤县还有哪些措施?"


def test_a_new_year_is_put_beside_the_subject():
    assert rewrite_followup("那2019年呢?", FIRST) == "藤县2019年的贫困发生率下降到了多少?"
    assert rewrite_followup("那2019年呢?", "藤县2020年的贫困发生率?") == "藤县2019年的贫困发生率?"


def test_a_follow_up_on_another_topic_keeps_the_subject():
    assert rewrite_followup("那贫困村呢?", FIRST) == "藤县贫困村"


def test_a_bare_follow_up_repeats_the_previous_question():
    assert rewrite_followup("还有呢?", FIRST) == FIRST


@pytest.mark.parametrize("question", ["黔江区有多少名区级领导带队调研?", "河北省脱贫攻坚有哪些举措?"])
def test_a_complete_question_is_left_alone(question):
    assert standalone_query(question, [(FIRST, "0.59%[1]")]) == question


def test_follow_ups_chain_through_the_whole_conversation():
    history = [(FIRST, "0.59%[1]"), ("那安岳县呢?", "……")]
    assert standalone_query("那黔江区呢?", history) == "黔江区的贫困发生率下降到了多少?"


def test_an_english_follow_up_swaps_the_named_place():
    previous = "What was the poverty rate of Teng County in 2020?"
    assert rewrite_followup("What about Anyue County?", previous) == "What was the poverty rate of Anyue County in 2020?"
