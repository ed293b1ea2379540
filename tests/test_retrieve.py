"""Hybrid retrieval over a real index (real loader, chunker, FAISS, bm25s). Fast tests use the
fake embedder; the `models` tests run the real e5 model over the seed documents."""

from __future__ import annotations

import shutil

import pytest
from fakes import FakeEmbedder

from rag.config import Config
from rag.errors import RagError, RagIndexError
from rag.index import load_index, update_index
from rag.retrieval.retriever import Retriever
from rag.text.normalize import compact
from rag.types import Hit

FILES = ("000_bebb5635b1c7aea1.txt", "001_402b0891d839cf2c.txt", "002_56ffc93fffebd40f.txt")


@pytest.fixture(scope="module")
def collection(tmp_path_factory, seeds_dir):
    """Three seeds plus an exact copy of one of them under another name (a duplicate to drop)."""
    root = tmp_path_factory.mktemp("retrieve")
    docs = root / "docs"
    docs.mkdir()
    for name in FILES:
        shutil.copyfile(seeds_dir / name, docs / name)
    shutil.copyfile(seeds_dir / FILES[0], docs / "copy_of_000.txt")
    config = Config(embed_model="fake-hash", models_dir=str(root / "models"), index_dir=str(root / "index"))
    update_index([docs], root / "index", config, FakeEmbedder())
    return root / "index", config


def retriever(collection, embedder=None, **settings) -> Retriever:
    folder, config = collection
    config = config.replace(**settings)
    return Retriever(load_index(folder, config), embedder or FakeEmbedder(), config)


def has(hit: Hit, answer: str) -> bool:
    return compact(answer) in compact(hit.chunk.text)


def test_a_factual_question_finds_the_passage_with_the_answer_first(collection):
    hits = retriever(collection).search("藤县的贫困发生率下降到了多少？", k=5)
    assert has(hits[0], "0.59%")


def test_a_traditional_question_finds_simplified_text(collection):
    hits = retriever(collection).search("藤縣經過四年攻堅，累計實現多少貧困人口減貧？", k=3)
    assert any(has(h, "12.2万") for h in hits)


def test_a_simplified_question_finds_traditional_text(collection):
    hits = retriever(collection).search("安岳县建档立卡贫困人口最初有多少万人？", k=3)
    assert any(has(h, "11.8萬人") for h in hits)


def test_hits_are_ranked_typed_records_with_both_sides_reported(collection):
    hits = retriever(collection).search("黔江区扶贫车间", k=5)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert all(isinstance(h, Hit) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert any(h.sparse_rank and h.sparse_score > 0 for h in hits)
    assert any(h.dense_rank and -1.0 <= h.dense_score <= 1.0 for h in hits)


def test_k_limits_the_number_of_hits(collection):
    assert len(retriever(collection).search("扶贫", k=2)) == 2


def test_a_document_filter_keeps_only_matching_documents(collection):
    hits = retriever(collection).search("扶贫资金", k=5, doc_glob="002_*")
    assert hits and {h.chunk.doc for h in hits} == {"002_56ffc93fffebd40f.txt"}


def test_a_filter_matching_nothing_is_a_user_error(collection):
    with pytest.raises(RagError, match="no indexed document matches"):
        retriever(collection).search("扶贫", k=5, doc_glob="nothing*")


def test_near_duplicate_passages_appear_only_once(collection):
    hits = retriever(collection).search("藤县贫困发生率下降至0.59%", k=5)
    texts = [compact(h.chunk.text) for h in hits]
    assert len(texts) == len(set(texts))
    assert {"000_bebb5635b1c7aea1.txt", "copy_of_000.txt"} & {h.chunk.doc for h in hits}


def test_duplicates_are_kept_when_dedup_is_switched_off(collection):
    hits = retriever(collection, dedup_threshold=1.01).search("藤县贫困发生率下降至0.59%", k=2)
    assert compact(hits[0].chunk.text) == compact(hits[1].chunk.text)


def test_zero_dense_weight_never_encodes_the_question(collection):
    fake = FakeEmbedder()
    hits = retriever(collection, fake, dense_weight=0.0).search("扶贫车间", k=3)
    assert fake.queries == [] and all(h.dense_rank is None for h in hits)


def test_zero_bm25_weight_ranks_by_the_dense_side_alone(collection):
    hits = retriever(collection, bm25_weight=0.0).search("扶贫车间", k=3)
    assert all(h.sparse_rank is None for h in hits)
    assert [h.dense_rank for h in hits] == sorted(h.dense_rank for h in hits)


def test_an_empty_question_is_a_user_error(collection):
    with pytest.raises(RagError, match="empty"):
        retriever(collection).search("   ", k=5)


def test_a_question_of_stopwords_only_still_gets_dense_hits(collection):
    hits = retriever(collection).search("是什么？", k=3)
    assert len(hits) == 3 and all(h.sparse_rank is None for h in hits)


def test_an_embedder_with_other_weights_is_refused_at_search(collection):
    other = FakeEmbedder()
    other.fingerprint = "other-weights"
    with pytest.raises(RagIndexError, match="rag index --rebuild"):
        retriever(collection, other).search("扶贫", k=3)


# --- the real model over the seed documents ---------------------------------------------------

@pytest.fixture(scope="module")
def seeds_rag(tmp_path_factory, models_config, seeds_dir):
    from rag.pipeline import Rag

    folder = tmp_path_factory.mktemp("seeds-index") / "index"
    rag = Rag(models_config.replace(index_dir=str(folder)))
    report = rag.index([seeds_dir])
    assert report.added == 5 and report.embedded > 0
    return rag


@pytest.mark.models
@pytest.mark.parametrize("question, answer", [
    ("藤县经过四年攻坚，累计实现多少贫困人口减贫？", "12.2万"),           # fact
    ("安嶽縣今年計劃完成多少公里的貧困村通村通社公路建設？", "97.05公里"),  # traditional
    ("河北省级财政2019年在扶贫上投了多少钱？", "55.05亿元"),              # reworded
    ("黔江区在贫困村投入了多少资金来实施脱贫项目？", "6.8亿元"),
])
def test_real_hybrid_retrieval_puts_the_answer_in_the_top_three(seeds_rag, question, answer):
    hits = seeds_rag.search(question, k=3)
    assert any(has(h, answer) for h in hits), [h.chunk.text[:60] for h in hits]


@pytest.mark.models
def test_real_dense_scores_are_cosines_and_both_sides_contribute(seeds_rag):
    hits = seeds_rag.search("新冠疫情期间藤县引导多少贫困劳动力外出务工？", k=5)
    assert all(h.dense_score is None or 0.0 < h.dense_score <= 1.0 for h in hits)
    assert any(h.dense_rank for h in hits) and any(h.sparse_rank for h in hits)


@pytest.mark.models
def test_real_reindexing_an_unchanged_collection_embeds_nothing(seeds_rag, seeds_dir):
    report = seeds_rag.index([seeds_dir])
    assert (report.unchanged, report.embedded) == (5, 0)


# --- the BM25 side on its own -------------------------------------------------------------------

def test_bm25_terms_are_words_neighbouring_pairs_and_characters(poverty_lexicon):
    from rag.index.sparse import bm25_terms

    terms = bm25_terms("扶贫车间吸纳就业")
    assert {"扶贫车间", "扶贫", "吸纳", "就业"} <= set(terms)
    assert "扶贫车间 吸纳" in terms and "#间" in terms


def test_a_phrase_match_outranks_the_same_words_scattered():
    from rag.index.sparse import SparseIndex

    scattered = "吸纳人员。就业良好。"  # shorter, so words alone would rank it first
    phrase = "本县扶贫车间今年吸纳就业人员若干名，形势良好。"
    index = SparseIndex.build([scattered, phrase])
    assert index.search("吸纳就业", 2).rows.tolist() == [1, 0]


def test_a_reworded_question_still_matches_through_shared_characters():
    from rag.index.sparse import SparseIndex

    index = SparseIndex.build(["贫困户住房安全得到保障。", "河北省级财政投入资金。"])
    assert index.search("穷困家户的房子安全吗", 2).rows.tolist()[0] == 0
