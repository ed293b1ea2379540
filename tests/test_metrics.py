"""The metric functions of rag eval, including the official CMRC 2018 EM/F1 ported to Python 3."""

from __future__ import annotations

import pytest

from rag.evaluation.cmrc import (
    cmrc_em,
    cmrc_f1,
    find_lcs,
    mixed_segmentation,
    remove_punctuation,
)
from rag.evaluation.metrics import (
    char_f1,
    contains_answer,
    first_rank,
    hit_at,
    is_correct,
    mean,
    mrr_at,
    percentile,
    refusal_precision,
    refusal_recall,
    strip_citations,
)


def test_an_answer_in_the_other_script_or_full_width_still_counts():
    assert contains_answer("確定我縣貧困村１６２個", ["162个"])
    assert contains_answer("贫困发生率下降至 0.59 %", ["0.59%"])


def test_containment_needs_the_whole_answer_string():
    assert not contains_answer("贫困发生率下降至0.5%", ["0.59%"])
    assert not contains_answer("任何文字", [])


def test_quotes_and_list_marks_do_not_hide_an_answer():
    assert contains_answer("首次放映的是2003年系列[1]。", ["「2003年系列」"])
    assert contains_answer("杜威和“吉祥兄弟”是球星", ["杜威和「吉祥兄弟」"])
    assert contains_answer("服务对象是甲网、乙台和丙局", ["甲网，乙台和丙局"])


def test_marks_inside_numbers_still_count():
    assert not contains_answer("共56万人", ["5.6万"])
    assert not contains_answer("增长了59%", ["5.9%"])
    assert not contains_answer("直径有711厘米", ["7-11厘米"])


def test_citation_markers_do_not_split_an_answer():
    assert strip_citations("共12.2[1]万人[2, 3]") == "共12.2万人"
    assert contains_answer("共12.2[1]万人", ["12.2万"])


def test_a_refusal_is_correct_only_for_an_unanswerable_question():
    assert is_correct("资料中没有相关信息", refused=True, answers=[])
    assert not is_correct("资料中没有相关信息", refused=True, answers=["0.59%"])
    assert not is_correct("是0.59%", refused=False, answers=[])
    assert is_correct("下降至0.59%[1]", refused=False, answers=["0.59%"])


def test_first_rank_is_one_based_and_none_when_absent():
    assert first_rank([False, True, True]) == 2
    assert first_rank([False, False]) is None


def test_hit_at_k_and_mrr_count_the_first_relevant_rank():
    ranks = [1, 3, None, 12]
    assert hit_at(ranks, 1) == 0.25
    assert hit_at(ranks, 3) == 0.5
    assert hit_at(ranks, 10) == 0.5
    assert mrr_at(ranks, 10) == pytest.approx((1 + 1 / 3) / 4)
    assert hit_at([], 5) is None and mrr_at([]) is None


def test_char_f1_scores_chinese_by_characters_against_the_best_reference():
    assert char_f1("藤县", ["藤县"]) == 1.0
    # prediction 藤县的 (3 chars), reference 藤县 (2): precision 2/3, recall 1
    assert char_f1("藤县的", ["梧州", "藤县"]) == pytest.approx(0.8)
    assert char_f1("无关", ["藤县"]) == 0.0


def test_char_f1_ignores_script_punctuation_and_citations():
    assert char_f1("安嶽縣。[1]", ["安岳县"]) == 1.0


def test_refusal_precision_and_recall_treat_refused_as_positive():
    refused = [True, True, False, False]
    unanswerable = [True, False, True, False]
    assert refusal_precision(refused, unanswerable) == 0.5
    assert refusal_recall(refused, unanswerable) == 0.5
    assert refusal_precision([False], [True]) is None
    assert refusal_recall([True], [False]) is None


def test_mean_and_percentile_skip_missing_values():
    assert mean([1, None, 0]) == 0.5
    assert mean([None]) is None
    assert percentile([10.0, 20.0, None, 30.0], 50) == 20.0
    assert percentile([], 95) is None


# --- the official CMRC 2018 metrics -------------------------------------------------------------

def test_cmrc_segmentation_splits_chinese_by_character_and_other_text_by_word():
    assert mixed_segmentation("光荣和ω-force") == ["光", "荣", "和", "ω", "-", "force"]
    assert mixed_segmentation("1990年5月", rm_punc=True) == ["1990", "年", "5", "月"]
    assert mixed_segmentation("《战国无双3》", rm_punc=True) == ["战", "国", "无", "双", "3"]


def test_cmrc_em_compares_after_removing_punctuation_and_case():
    assert cmrc_em("《战国无双3》", ["战国无双3"]) == 1.0
    assert cmrc_em("Omega-Force", ["omegaforce"]) == 1.0
    assert cmrc_em("战国无双", ["战国无双3"]) == 0.0
    assert remove_punctuation("「战史演武」&「争霸演武」") == "战史演武&争霸演武"


def test_cmrc_f1_uses_the_longest_common_substring_not_the_bag_of_characters():
    assert find_lcs(list("甲乙丙"), list("甲丙")) == 1
    # one common run of 1: precision 1/3, recall 1/2
    assert cmrc_f1("甲乙丙", ["甲丙"]) == pytest.approx(0.4)
    assert cmrc_f1("1990年", ["1990年5月"]) == pytest.approx(2 / 3)


def test_cmrc_scores_take_the_best_reference_and_zero_for_nothing_in_common():
    assert cmrc_f1("村雨城", ["任天堂游戏谜之村雨城", "村雨城"]) == 1.0
    assert cmrc_em("村雨城", ["任天堂游戏谜之村雨城", "村雨城"]) == 1.0
    assert cmrc_f1("", ["村雨城"]) == 0.0
    assert cmrc_f1("光荣", ["ω-force"]) == 0.0


def test_model_speed_is_reported_as_first_text_and_tokens_per_second():
    from rag.evaluation.aggregate import latency_metrics
    from rag.evaluation.gold import GoldItem
    from rag.evaluation.records import QuestionResult

    def result(prefill, decode, prompt, completion):
        latency = {"retrieve": 10.0, "generate": prefill + decode, "total": prefill + decode + 10,
                   "first_token": prefill + 500, "prefill": prefill, "decode": decode}
        return QuestionResult(GoldItem("q", "问?", ("1",)), (), latency, answer="1", refused=False,
                              citations=(), tokens={"prompt": prompt, "completion": completion})

    metrics = latency_metrics([result(10_000, 2_000, 500, 10), result(10_000, 2_000, 700, 30)])
    assert metrics["prompt_tokens_per_s"] == 60.0 and metrics["completion_tokens_per_s"] == 10.0
    assert metrics["first_token_p50"] == 10_500 and metrics["prompt_tokens_p50"] == 600


def test_runs_without_a_model_report_no_model_speed():
    from rag.evaluation.aggregate import latency_metrics
    from rag.evaluation.gold import GoldItem
    from rag.evaluation.records import QuestionResult

    extract = QuestionResult(GoldItem("q", "问?", ("1",)), (), {"retrieve": 10.0, "generate": 1.0, "total": 11.0},
                             answer="1", refused=False, citations=(), tokens={})
    assert set(latency_metrics([extract])) == {"retrieve_p50", "retrieve_p95", "total_p50", "total_p95"}
