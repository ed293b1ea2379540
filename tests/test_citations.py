"""Citation markers are parsed back out of generated text the way small models write them."""

from rag.answer.citations import (
    attach_citations,
    parse_citations,
    render_citations,
    strip_citations,
)
from rag.text.sentences import SentenceStream


def test_square_brackets_give_the_passage_numbers_in_order_of_use():
    assert parse_citations("降至0.59%[2]，出列85个[1]。", k=5) == ([2, 1], [])


def test_a_list_inside_one_marker_cites_each_passage():
    assert parse_citations("见[1,3]与[2， 4]、[1、5]", k=5)[0] == [1, 3, 2, 4, 5]


def test_full_width_lenticular_brackets_are_citations_too():
    assert parse_citations("减贫12.2万人【1】【3】", k=3)[0] == [1, 3]


def test_a_range_cites_every_passage_in_it():
    assert parse_citations("[2-4]", k=5)[0] == [2, 3, 4]


def test_labelled_markers_are_understood():
    assert parse_citations("[资料2] 【资料3】", k=3)[0] == [2, 3]


def test_out_of_range_numbers_are_dropped_and_reported():
    assert parse_citations("[0][1][6]", k=5) == ([1], [0, 6])


def test_a_number_cited_twice_counts_once():
    assert parse_citations("[1]。[1][1]", k=2)[0] == [1]


def test_plain_bracketed_text_is_not_a_citation():
    assert parse_citations("[注] 见附件", k=5) == ([], [])


def test_stripping_removes_every_marker_and_only_markers():
    assert strip_citations("藤县[1]下降至0.59%【2】[3,4]。") == "藤县下降至0.59%。"


def test_markers_are_attached_before_the_closing_punctuation():
    assert attach_citations("贫困发生率下降至0.59%。", [1, 2]) == "贫困发生率下降至0.59%[1][2]。"
    assert render_citations([3]) == "[3]"


def _split(pieces):
    stream = SentenceStream()
    out = [s for piece in pieces for s in stream.feed(piece)]
    return out + stream.flush()


def test_a_stream_is_cut_into_sentences_that_keep_their_trailing_citations():
    pieces = ["藤县贫困", "发生率下降至0.59%", "。", "[1", "] 安岳", "县贫困村减少至78个[2]。"]
    assert _split(pieces) == ["藤县贫困发生率下降至0.59%。[1]", " 安岳县贫困村减少至78个[2]。"]


def test_a_sentence_is_held_back_until_more_text_shows_it_is_complete():
    stream = SentenceStream()
    assert stream.feed("降至0.59%。") == []
    assert stream.feed("[1]") == []
    assert stream.feed("另外") == ["降至0.59%。[1]"]


def test_decimal_points_and_list_numbers_do_not_end_a_sentence():
    assert _split(["1. 贫困发生率0.59%[1]\n2. 出列85个[1]"]) == ["1. 贫困发生率0.59%[1]\n", "2. 出列85个[1]"]


def test_an_english_sentence_ends_at_a_full_stop_before_a_space():
    assert _split(["It fell to 0.59% [1]. Then 85 villages [1]."]) == ["It fell to 0.59% [1].", " Then 85 villages [1]."]
