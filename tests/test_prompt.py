"""The prompt: Chinese rules, passages numbered [1]..[k] with title and section, the question and the
sentence that best covers it, within budget."""

import pytest
from fake_generator import CORPUS, _chunk

from rag.answer.prompt import (
    REFUSAL,
    SYSTEM,
    build_prompt,
    estimate_tokens,
    format_passage,
    language_of,
    question_line,
    select_passages,
)
from rag.answer.judge import after_question
from rag.config import Config
from rag.errors import ConfigError
from rag.types import Hit

HITS = tuple(Hit(chunk, 1.0 / n, n) for n, chunk in enumerate(CORPUS, start=1))


def test_passages_are_numbered_in_rank_order_with_title_and_section():
    prompt = build_prompt("黔江区落实了多少工作经费?", HITS, Config())
    user = prompt.messages[1]["content"]
    assert [user.index(f"[{n}] 《") for n in (1, 2, 3, 4)] == sorted(user.index(f"[{n}] 《") for n in (1, 2, 3, 4))
    assert "[2] 《安嶽縣2018年扶貧重點工作是哪些?》 01 全縣脫貧攻堅基本情況" in user
    assert prompt.passages == HITS


def test_a_passages_markdown_heading_marks_are_left_off_and_its_words_kept():
    chunk = _chunk(1, "bulletin.pdf", "统计公报", "表2", "## 表2 主要帮扶产业\n\n产业：茶叶，产值（万元）：5,349\n# 另一个")
    shown = format_passage(1, chunk)
    assert shown == "[1] 《统计公报》 表2\n表2 主要帮扶产业\n\n产业：茶叶，产值（万元）：5,349\n另一个"


def test_the_question_comes_after_the_passages_and_the_rules_come_first():
    prompt = build_prompt("黔江区落实了多少工作经费?", HITS, Config())
    system, user = prompt.messages
    assert system == {"role": "system", "content": SYSTEM}
    assert user["content"].rindex("问题：黔江区落实了多少工作经费?") > user["content"].rindex("[4] 《")


def test_the_passage_sentence_that_best_covers_the_question_follows_it_with_its_number():
    user = build_prompt("黔江区落实了多少工作经费?", HITS, Config()).messages[1]["content"]
    assert ("问题：黔江区落实了多少工作经费?\n"
            "最相关的原文（资料[4]）：抽调11名业务骨干组建脱贫攻坚指挥部,落实工作经费200万元,统筹、协调、指导全面工作。\n") in user


def test_the_key_sentence_is_not_part_of_the_prefix_the_doubt_check_reuses():
    messages = build_prompt("黔江区落实了多少工作经费?", HITS, Config()).messages
    without = build_prompt("黔江区落实了多少工作经费?", HITS, Config(key_sentence=False)).messages
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
    config = Config(n_ctx=n_ctx, max_tokens=200, context_tokens=5000)
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
    chosen = select_passages(HITS, budget=one * 2 + 4, limit=10)
    assert chosen == list(HITS[:2])


def test_the_best_passage_is_kept_even_when_over_budget():
    assert select_passages(HITS, budget=5, limit=10) == [HITS[0]]


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
    user = build_prompt("What was the county poverty rate?", HITS, Config()).messages[1]["content"]
    assert "最相关的原文" not in user


def test_no_key_sentence_when_no_sentence_clearly_leads():
    twins = (Hit(_chunk(1, "a.txt", "甲县", "", "甲县的贫困发生率是1%。"), 1.0, 1),
             Hit(_chunk(2, "b.txt", "乙县", "", "乙县的贫困发生率是2%。"), 0.9, 2))
    assert "最相关的原文" not in build_prompt("贫困发生率是多少?", twins, Config()).messages[1]["content"]
