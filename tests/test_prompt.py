"""The prompt: Chinese rules, passages numbered [1]..[k] with title and section, the question and the
sentence that best covers it, within budget."""

import dataclasses

import pytest
from fake_generator import CORPUS, _chunk

from rag.answer.prompt import (
    REFUSAL,
    SYSTEM,
    build_prompt,
    estimate_tokens,
    format_passage,
    key_sentence,
    language_of,
    question_line,
    select_passages,
)
from rag.answer.judge import after_question
from rag.answer.extract import candidates
from rag.answer.shown import GAP, focus
from rag.config import Config
from rag.errors import ConfigError
from rag.types import Hit

HITS = tuple(Hit(chunk, 1.0 / n, n) for n, chunk in enumerate(CORPUS, start=1))
FULL = Config(passage_tokens=0, context_tokens=600, key_sentence=True)  # whole passages, the key sentence
WHOLE = focus(HITS, candidates("藤县", HITS), cap=0)


def test_passages_are_numbered_in_rank_order_with_title_and_section():
    prompt = build_prompt("黔江区落实了多少工作经费?", HITS, FULL)
    user = prompt.messages[1]["content"]
    assert [user.index(f"[{n}] 《") for n in (1, 2, 3, 4)] == sorted(user.index(f"[{n}] 《") for n in (1, 2, 3, 4))
    assert "[2] 《安嶽縣2018年扶貧重點工作是哪些?》 01 全縣脫貧攻堅基本情況" in user
    assert prompt.passages == HITS


def test_a_passages_markdown_heading_marks_are_left_off_and_its_words_kept():
    chunk = _chunk(1, "bulletin.pdf", "统计公报", "表2", "## 表2 主要帮扶产业\n\n产业：茶叶，产值（万元）：5,349\n# 另一个")
    shown = format_passage(1, chunk)
    assert shown == "[1] 《统计公报》 表2\n表2 主要帮扶产业\n\n产业：茶叶，产值（万元）：5,349\n另一个"


def test_the_question_comes_after_the_passages_and_the_rules_come_first():
    prompt = build_prompt("黔江区落实了多少工作经费?", HITS, FULL)
    system, user = prompt.messages
    assert system == {"role": "system", "content": SYSTEM}
    assert user["content"].rindex("问题：黔江区落实了多少工作经费?") > user["content"].rindex("[4] 《")


def test_the_passage_sentence_that_best_covers_the_question_follows_it_with_its_number():
    user = build_prompt("黔江区落实了多少工作经费?", HITS, FULL).messages[1]["content"]
    assert ("问题：黔江区落实了多少工作经费?\n"
            "最相关的原文（资料[4]）：抽调11名业务骨干组建脱贫攻坚指挥部,落实工作经费200万元,统筹、协调、指导全面工作。\n") in user


def test_the_key_sentence_is_not_part_of_the_prefix_the_doubt_check_reuses():
    messages = build_prompt("黔江区落实了多少工作经费?", HITS, FULL).messages
    without = build_prompt("黔江区落实了多少工作经费?", HITS, FULL.replace(key_sentence=False)).messages
    line = question_line("黔江区落实了多少工作经费?")
    assert after_question(messages, line, "?") == after_question(without, line, "?")
    assert "最相关的原文" not in without[1]["content"]


def test_traditional_passages_and_question_are_shown_in_simplified_script_when_asked():
    prompt = build_prompt("安嶽縣有多少個貧困村?", HITS, Config(prompt_simplified=True))
    user = prompt.messages[1]["content"]
    assert "[2] 《安岳县2018年扶贫重点工作是哪些?》 01 全县脱贫攻坚基本情况" in user
    assert prompt.question_line == "问题：安岳县有多少个贫困村?" and prompt.question_line in user
    assert "安嶽" not in user and "縣" not in user


def test_a_prompt_already_in_simplified_script_is_the_same_with_or_without_the_setting():
    simplified = [h for h in HITS if "安" not in h.chunk.title]
    question = "黔江区落实了多少工作经费?"
    assert (build_prompt(question, simplified, Config(prompt_simplified=True)).messages
            == build_prompt(question, simplified, Config()).messages)


def test_the_doubt_check_finds_the_question_line_the_prompt_shows():
    prompt = build_prompt("安嶽縣有多少個貧困村?", HITS, Config(prompt_simplified=True))
    asked = after_question(prompt.messages, prompt.question_line, "？")[1]["content"]
    assert asked.endswith("问题：安岳县有多少个贫困村?？") and "最相关的原文" not in asked


@pytest.mark.parametrize("n_ctx, has_key", [(560, False), (600, True)])
def test_a_window_too_tight_for_the_key_sentence_leaves_it_out_and_keeps_a_passage(n_ctx, has_key):
    config = FULL.replace(n_ctx=n_ctx, max_tokens=200, context_tokens=5000)
    prompt = build_prompt("藤县的贫困发生率下降到了多少?", HITS, config)
    assert prompt.tokens + config.max_tokens <= config.n_ctx and prompt.passages
    assert ("最相关的原文" in prompt.messages[1]["content"]) is has_key


def test_the_rules_ask_for_citations_and_the_exact_refusal_phrase():
    assert "[1]" in SYSTEM and REFUSAL["zh"] in SYSTEM


def test_an_english_question_is_answered_in_english():
    system = build_prompt("What was Teng County's poverty rate?", HITS, Config()).messages[0]["content"]
    assert "英文" in system and REFUSAL["en"] in system
    assert language_of("What was Teng County's poverty rate?") == "en" and language_of("安嶽縣呢") == "zh"


def test_passages_that_do_not_fit_the_budget_are_left_out_from_the_bottom():
    one = estimate_tokens(format_passage(1, CORPUS[0]))
    chosen = select_passages(WHOLE, budget=one * 2 + 4, limit=10)
    assert chosen == list(WHOLE[:2])


def test_the_best_passage_is_kept_even_when_over_budget():
    assert select_passages(WHOLE, budget=5, limit=10) == [WHOLE[0]]


def test_the_window_caps_the_budget_so_the_answer_still_fits():
    config = Config(n_ctx=600, max_tokens=200, context_tokens=5000)
    prompt = build_prompt("藤县的贫困发生率下降到了多少?", HITS, config)
    assert prompt.tokens + config.max_tokens <= config.n_ctx
    assert len(prompt.passages) == 1


def test_a_window_too_small_for_any_passage_is_a_config_error():
    with pytest.raises(ConfigError, match="n_ctx"):
        build_prompt("藤县", HITS, Config(n_ctx=300, max_tokens=200))


def test_context_chunks_limits_the_passages():
    assert len(build_prompt("藤县", HITS, Config(context_chunks=2)).passages) == 2


def test_the_token_estimate_counts_chinese_characters_one_each():
    assert estimate_tokens("贫困发生率") == 5 + 0
    assert estimate_tokens("poverty rate") == 4


def test_no_key_sentence_when_no_passage_sentence_shares_a_word_with_the_question():
    user = build_prompt("What was the county poverty rate?", HITS, FULL).messages[1]["content"]
    assert "最相关的原文" not in user


def test_no_key_sentence_when_no_sentence_clearly_leads():
    twins = (Hit(_chunk(1, "a.txt", "甲县", "", "甲县的贫困发生率是1%。"), 1.0, 1),
             Hit(_chunk(2, "b.txt", "乙县", "", "乙县的贫困发生率是2%。"), 0.9, 2))
    assert "最相关的原文" not in build_prompt("贫困发生率是多少?", twins, FULL).messages[1]["content"]


def _second(question: str, hit: Hit, cap: int):
    """How `hit` is shown as the second passage, after CORPUS[0]."""
    hits = [HITS[0], hit]
    return focus(hits, candidates(question, hits), cap)[1]


def test_a_passage_over_its_room_is_shown_as_its_sentences_nearest_the_question():
    cut = _second("黔江区落实了多少工作经费?", HITS[3], cap=40)
    assert cut.text == "抽调11名业务骨干组建脱贫攻坚指挥部,落实工作经费200万元,统筹、协调、指导全面工作。"
    assert cut.hit == HITS[3]


def test_the_best_passage_gets_twice_the_room_of_the_others():
    question = "黔江区落实了多少工作经费?"
    cap = 40  # passage [4] costs 79 tokens: within two caps, over one
    first = focus([HITS[3]], candidates(question, [HITS[3]]), cap)[0]
    assert first.text == HITS[3].chunk.text
    assert _second(question, HITS[3], cap).text != HITS[3].chunk.text


def test_kept_sentences_are_shown_in_their_own_order_with_a_gap_where_one_was_left_out():
    text = "第一句讲茶叶产值。第二句无关。第三句讲茶叶面积。第四句也无关。"
    cut = _second("茶叶的产值和面积是多少?", Hit(_chunk(9, "x.txt", "公报", "", text), 1.0, 2), cap=18)
    assert cut.text == "第一句讲茶叶产值。" + GAP + "第三句讲茶叶面积。"


def test_neighbouring_table_rows_keep_the_line_break_between_them():
    text = "乡镇：甲镇，人口：100\n乡镇：乙镇，人口：200\n乡镇：丙镇，人口：300\n乡镇：丁镇，人口：400"
    cut = _second("乙镇和丙镇的人口各是多少?", Hit(_chunk(9, "x.txt", "公报", "表1", text), 1.0, 2), cap=18)
    assert cut.text == "乡镇：乙镇，人口：200\n乡镇：丙镇，人口：300"


def test_a_passage_within_its_room_is_shown_whole_and_cap_zero_keeps_the_full_layout():
    ranked = candidates("黔江区落实了多少工作经费?", HITS)
    assert [c.text for c in focus(HITS, ranked, cap=1000)] == [h.chunk.text for h in HITS]
    assert [c.text for c in focus(HITS, ranked, cap=0)] == [None] * len(HITS)


def test_a_sentence_shown_before_or_said_by_the_heading_is_not_shown_again():
    title = "藤县脱贫攻坚综述"
    one = Hit(_chunk(7, "t.txt", title, "", f"{title}\n藤县引导4.6万名贫困劳动力外出务工。"), 1.0, 1)
    again = Hit(_chunk(8, "t.txt", title, "", "藤县引导4.6万名贫困劳动力外出务工。"), 0.9, 2)
    question = "藤县引导多少贫困劳动力外出务工?"
    shown = focus([one, again], candidates(question, [one, again]), cap=200)
    assert [s.text for s in shown] == ["藤县引导4.6万名贫困劳动力外出务工。"]


def test_in_the_cut_layout_a_passage_is_headed_by_its_innermost_section():
    chunk = _chunk(1, "x.txt", "公报", "一、总体情况 > （二）就业", "外出务工4.6万人。")
    assert format_passage(1, chunk, chunk.text) == "[1] 《公报》 （二）就业\n外出务工4.6万人。"
    assert format_passage(1, chunk) == "[1] 《公报》 一、总体情况 > （二）就业\n外出务工4.6万人。"


def test_the_key_sentence_is_one_the_passages_show():
    question = "黔江区落实了多少工作经费?"
    whole = focus(HITS, candidates(question, HITS), cap=0)
    assert "200万元" in key_sentence(question, whole)
    hidden = [*whole[:3], dataclasses.replace(whole[3], text="(2)战备式动员。")]
    assert "200万元" not in key_sentence(question, hidden)


def test_cut_passages_leave_room_for_more_of_them_and_the_prompt_keeps_the_whole_hits():
    question = "黔江区召开了多少次动员会，征集了多少条意见建议?"
    budget = estimate_tokens(format_passage(1, CORPUS[2])) + estimate_tokens(format_passage(2, CORPUS[3]))
    whole = build_prompt(question, HITS[2:], Config(context_tokens=budget - 10, passage_tokens=0))
    cut = build_prompt(question, HITS[2:], Config(context_tokens=budget - 10, passage_tokens=50))
    assert len(whole.passages) == 1 and cut.passages == HITS[2:4]
    assert "1991次" in cut.messages[1]["content"] and "596条" in cut.messages[1]["content"]
