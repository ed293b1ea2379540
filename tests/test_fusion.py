"""Rank fusion and de-duplication on hand-made rankings."""

import pytest

from rag.retrieval.fusion import (
    Fused,
    bigrams,
    drop_near_duplicates,
    jaccard,
    weighted_rrf,
)


def items(fused):
    return [f.item for f in fused]


def test_an_item_found_by_both_lists_beats_one_found_by_one():
    fused = weighted_rrf([["a", "b"], ["c", "b"]], [1.0, 1.0], k=60)
    assert items(fused)[0] == "b"


def test_score_is_the_weighted_sum_of_reciprocal_ranks():
    fused = {f.item: f for f in weighted_rrf([["a", "b"], ["b"]], [2.0, 0.5], k=10)}
    assert fused["a"].score == pytest.approx(2.0 / 11)
    assert fused["b"].score == pytest.approx(2.0 / 12 + 0.5 / 11)


def test_ranks_are_reported_per_list_with_none_where_absent():
    fused = {f.item: f for f in weighted_rrf([["a", "b"], ["b", "c"]], [1.0, 1.0])}
    assert fused["a"].ranks == (1, None)
    assert fused["b"].ranks == (2, 1)
    assert fused["c"].ranks == (None, 2)


def test_a_heavier_list_decides_between_two_single_list_items():
    assert items(weighted_rrf([["a"], ["b"]], [1.0, 0.5]))[0] == "a"
    assert items(weighted_rrf([["a"], ["b"]], [0.5, 1.0]))[0] == "b"


def test_a_zero_weight_list_only_breaks_ties():
    fused = weighted_rrf([["a", "b", "c"], ["c", "b", "a"]], [1.0, 0.0])
    assert items(fused) == ["a", "b", "c"]


def test_small_k_lets_the_top_of_one_list_beat_agreement_lower_down():
    rankings = [["x", "y"], ["z", "y"]]
    assert items(weighted_rrf(rankings, [1.0, 0.1], k=1))[0] == "x"
    assert items(weighted_rrf(rankings, [1.0, 0.9], k=60))[0] == "y"


def test_ties_go_to_the_better_best_rank_then_the_earlier_list():
    fused = weighted_rrf([["a", "b"], ["c", "d"]], [1.0, 1.0])
    assert items(fused) == ["a", "c", "b", "d"]


def test_a_repeated_item_keeps_its_best_place():
    (only,) = weighted_rrf([["a", "a"]], [1.0])
    assert only.ranks == (1,)


def test_empty_rankings_fuse_to_nothing():
    assert weighted_rrf([[], []], [1.0, 1.0]) == []


def test_one_weight_is_needed_per_ranking():
    with pytest.raises(ValueError):
        weighted_rrf([["a"], ["b"]], [1.0])


def test_fused_records_are_typed():
    assert isinstance(weighted_rrf([["a"]], [1.0])[0], Fused)


def test_same_passage_in_either_script_is_identical():
    assert jaccard(bigrams("安嶽縣扶貧重點工作是哪些?"), bigrams("安岳县扶贫重点工作是哪些？")) == 1.0


def test_unrelated_passages_are_not_similar():
    assert jaccard(bigrams("藤县贫困发生率下降至0.59%"), bigrams("黔江区精准扶贫五子发力")) < 0.1


def test_near_duplicates_are_dropped_keeping_the_first():
    texts = {1: "安嶽縣2018年扶貧重點工作是哪些", 2: "藤县贫困发生率下降", 3: "安岳县2018年扶贫重点工作是哪些", 4: "黔江区"}
    kept = drop_near_duplicates([1, 2, 3, 4], texts.get, threshold=0.9)
    assert kept == [1, 2, 4]


def test_dedup_stops_at_the_limit_counting_only_kept_items():
    texts = {1: "甲乙丙丁", 2: "甲乙丙丁", 3: "戊己庚辛", 4: "子丑寅卯"}
    assert drop_near_duplicates([1, 2, 3, 4], texts.get, threshold=0.9, limit=2) == [1, 3]


def test_partly_overlapping_passages_are_both_kept():
    a = "第一句话讲贫困人口。第二句话讲扶贫车间。"
    b = "第二句话讲扶贫车间。第三句话讲易地搬迁。"
    assert drop_near_duplicates([a, b], str, threshold=0.9) == [a, b]
