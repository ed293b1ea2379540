"""The Milvus vector store, against a real Milvus Lite file: incremental updates and deletes show
exactly the new state, knowledge bases stay apart, replicas rebuild BM25 from what Milvus holds,
and faults leave the previous state searchable. The fake embedder keeps it fast."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SEED_FILES
from fakes import FakeEmbedder

from rag.config import Config
from rag.errors import RagIndexError
from rag.index import load_index, remove_documents, update_index
from rag.index.milvus_client import collection_name, connect
from rag.retrieval.retriever import Retriever

QUESTION = "藤县的贫困发生率下降到了多少"


@pytest.fixture
def config(tmp_path) -> Config:
    return Config(embed_model="fake-hash", models_dir=str(tmp_path / "models"), index_dir=str(tmp_path / "kb"),
                  vector_store="milvus", milvus_uri=str(tmp_path / "milvus.db"))


def _search(config: Config, folder: Path | None = None, k: int = 50) -> list:
    index = load_index(folder or Path(config.index_dir), config)
    return Retriever(index, FakeEmbedder(), config).search(QUESTION, k)


def _rows(config: Config, folder: Path) -> list[dict]:
    client = connect(config)
    return client.query(collection_name(folder, config), filter="revision >= 0", output_fields=["doc", "revision"],
                        limit=10_000)


def _faiss_twin(config: Config, corpus: Path, tmp_path: Path) -> list:
    faiss = config.replace(vector_store="faiss", index_dir=str(tmp_path / "faiss"))
    update_index([corpus], Path(faiss.index_dir), faiss, FakeEmbedder())
    return _search(faiss)


def test_a_milvus_index_searches_exactly_like_the_faiss_one(config, corpus, tmp_path):
    report = update_index([corpus], Path(config.index_dir), config, FakeEmbedder())
    assert report.added == 3 and report.chunks == len(_rows(config, Path(config.index_dir)))
    got = [(h.chunk.id, h.sparse_rank, h.dense_rank) for h in _search(config)]
    want = [(h.chunk.id, h.sparse_rank, h.dense_rank) for h in _faiss_twin(config, corpus, tmp_path)]
    assert got == want


def test_changing_and_deleting_a_document_leaves_exactly_the_new_state(config, corpus):
    index_dir = Path(config.index_dir)
    update_index([corpus], index_dir, config, FakeEmbedder())
    changed = corpus / SEED_FILES[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\n藤县新增的段落：贫困发生率下降到了零。\n",
                       encoding="utf-8")
    (corpus / SEED_FILES[1]).unlink()
    embedder = FakeEmbedder()
    report = update_index([corpus], index_dir, config, embedder)
    assert (report.updated, report.removed, report.unchanged) == (1, 1, 1)
    index = load_index(index_dir, config)
    assert {c.doc for c in index.store.chunks} == {SEED_FILES[0], SEED_FILES[2]}
    rows = _rows(config, index_dir)
    assert len(rows) == len(index.store) and {r["doc"] for r in rows} == {SEED_FILES[0], SEED_FILES[2]}
    assert any("零" in h.chunk.text for h in _search(config))
    assert all(h.chunk.doc != SEED_FILES[1] for h in _search(config))


def test_removing_a_document_needs_no_embedding(config, corpus):
    index_dir = Path(config.index_dir)
    update_index([corpus], index_dir, config, FakeEmbedder())
    embedder = FakeEmbedder()
    report = remove_documents(index_dir, [SEED_FILES[2]], config, embedder)
    assert report.removed == 1 and embedder.encoded == []
    assert {r["doc"] for r in _rows(config, index_dir)} == set(SEED_FILES[:2])
    assert {h.chunk.doc for h in _search(config)} <= set(SEED_FILES[:2])


def test_two_knowledge_bases_in_one_milvus_are_kept_apart(config, corpus, tmp_path, seeds_dir):
    other = tmp_path / "other-docs"
    other.mkdir()
    shutil.copyfile(seeds_dir / "004_befd111a20e1a564.txt", other / "004_befd111a20e1a564.txt")
    first, second = tmp_path / "indexes" / "poverty", tmp_path / "indexes" / "neijiang"
    update_index([corpus], first, config, FakeEmbedder())
    update_index([other], second, config, FakeEmbedder())
    remove_documents(first, [SEED_FILES[0]], config, FakeEmbedder())
    assert collection_name(first, config) == "rag_poverty" != collection_name(second, config)
    assert {h.chunk.doc for h in _search(config, first)} <= set(SEED_FILES[1:])
    assert {h.chunk.doc for h in _search(config, second)} == {"004_befd111a20e1a564.txt"}


def test_a_replica_with_an_empty_folder_rebuilds_bm25_from_milvus(config, corpus, tmp_path):
    update_index([corpus], Path(config.index_dir), config, FakeEmbedder())
    replica = tmp_path / "replica" / "kb"  # the same knowledge base name on another machine
    got = [(h.chunk.id, h.sparse_rank, h.dense_rank) for h in _search(config, replica)]
    assert got == [(h.chunk.id, h.sparse_rank, h.dense_rank) for h in _search(config)]
    assert load_index(replica, config).manifest.revision == load_index(Path(config.index_dir), config).manifest.revision


def test_collections_milvus_kept_across_a_restart_are_loaded_again(config, corpus):
    index_dir = Path(config.index_dir)
    update_index([corpus], index_dir, config, FakeEmbedder())
    client = connect(config)
    for name in client.list_collections():
        client.release_collection(name)  # how a restarted Milvus (or a new Lite process) has them
    shutil.rmtree(index_dir)
    assert _search(config)
    for name in client.list_collections():
        client.release_collection(name)
    update_index([corpus], index_dir, config, FakeEmbedder(), rebuild=True)
    assert len(_rows(config, index_dir)) == len(load_index(index_dir, config).store)


def test_a_build_that_fails_midway_leaves_the_previous_state_searchable(config, corpus):
    index_dir = Path(config.index_dir)
    update_index([corpus], index_dir, config, FakeEmbedder())
    before = [h.chunk.id for h in _search(config)]
    (corpus / SEED_FILES[0]).write_text("藤县新的内容。" * 40, encoding="utf-8")

    class Failing(FakeEmbedder):
        def encode_documents(self, texts, progress=None):
            raise RuntimeError("the embedding server went away")

    with pytest.raises(RuntimeError):
        update_index([corpus], index_dir, config, Failing())
    assert [h.chunk.id for h in _search(config)] == before
    assert len(_rows(config, index_dir)) == len(load_index(index_dir, config).store)


def test_rows_left_by_a_build_killed_before_its_flip_are_never_found(config, corpus):
    from rag.index.milvus_rows import write_rows

    index_dir = Path(config.index_dir)
    update_index([corpus], index_dir, config, FakeEmbedder())
    index = load_index(index_dir, config)
    stray = [c for c in index.store.chunks if c.doc == SEED_FILES[0]]
    vectors = FakeEmbedder().encode_documents([c.index_text for c in stray])
    write_rows(connect(config), index.manifest.collection, stray, vectors, index.manifest.revision + 1, {})
    hits = _search(config)
    assert len({h.chunk.id for h in hits}) == len(hits)  # no chunk twice
    assert len(load_index(index_dir, config).store) == len(index.store)
    update_index([corpus], index_dir, config, FakeEmbedder(), rebuild=True)
    assert len(_rows(config, index_dir)) == len(index.store)  # the next build deleted them


def test_a_build_killed_after_its_flip_shows_the_new_state_and_the_next_build_cleans_up(config, corpus,
                                                                                          monkeypatch):
    from rag.index.milvus_store import MilvusBackend

    index_dir = Path(config.index_dir)
    update_index([corpus], index_dir, config, FakeEmbedder())
    (corpus / SEED_FILES[1]).unlink()
    with monkeypatch.context() as patch:
        patch.setattr(MilvusBackend, "_clean", lambda *args: (_ for _ in ()).throw(KeyboardInterrupt()))
        with pytest.raises(KeyboardInterrupt):
            update_index([corpus], index_dir, config, FakeEmbedder())
    assert {h.chunk.doc for h in _search(config)} == {SEED_FILES[0], SEED_FILES[2]}
    assert SEED_FILES[1] in {r["doc"] for r in _rows(config, index_dir)}  # its rows still there, skipped
    (corpus / SEED_FILES[2]).write_text("内江市新的内容。" * 40, encoding="utf-8")
    update_index([corpus], index_dir, config, FakeEmbedder())
    rows = _rows(config, index_dir)
    assert {r["doc"] for r in rows} == {SEED_FILES[0], SEED_FILES[2]}
    assert len(rows) == len(load_index(index_dir, config).store)


def test_an_unreachable_milvus_is_one_line_naming_the_uri(config, corpus):
    config = config.replace(milvus_uri="http://127.0.0.1:9")
    with pytest.raises(RagIndexError, match=r"cannot reach Milvus at http://127.0.0.1:9 .*RAG_MILVUS_URI") as err:
        update_index([corpus], Path(config.index_dir), config, FakeEmbedder())
    assert "\n" not in str(err.value)


def test_a_knowledge_base_never_indexed_in_milvus_says_to_run_rag_index(config):
    with pytest.raises(RagIndexError, match=r"no index rag_kb in Milvus at .*milvus.db: run `rag index"):
        load_index(Path(config.index_dir), config)


def test_a_dropped_collection_says_what_to_do_and_a_rebuild_restores_it(config, corpus):
    index_dir = Path(config.index_dir)
    update_index([corpus], index_dir, config, FakeEmbedder())
    connect(config).drop_collection(collection_name(index_dir, config))
    with pytest.raises(RagIndexError, match=r"collection rag_kb .*missing from Milvus at .*rag index --rebuild"):
        load_index(index_dir, config)
    update_index([corpus], index_dir, config, FakeEmbedder(), rebuild=True)
    assert _search(config)


def test_a_rebuild_with_another_dimension_keeps_the_old_collection_until_the_flip(config, corpus):
    index_dir = Path(config.index_dir)
    update_index([corpus], index_dir, config, FakeEmbedder(dim=64))
    wider = FakeEmbedder(dim=32, name="fake-hash")
    update_index([corpus], index_dir, config, wider, rebuild=True)
    index = load_index(index_dir, config)
    assert index.manifest.dim == 32 and index.manifest.collection != "rag_kb"
    assert connect(config).list_collections().count("rag_kb") == 0  # the old one dropped after the flip
    assert Retriever(index, wider, config).search(QUESTION, 3)


def test_a_collection_of_another_dimension_is_refused_with_the_uri(config, corpus):
    from rag.index.milvus_rows import create_collection

    index_dir = Path(config.index_dir)
    update_index([corpus], index_dir, config, FakeEmbedder(dim=64))
    index = load_index(index_dir, config)
    client = connect(config)
    client.drop_collection(index.manifest.collection)
    create_collection(client, index.manifest.collection, 16, "FLAT")
    with pytest.raises(RagIndexError, match=r"holds 16-dimensional vectors, its manifest says 64: run `rag index --rebuild`"):
        load_index(index_dir, config)


def test_a_foreign_collection_of_the_same_name_is_left_alone(config, corpus):
    client = connect(config)
    client.create_collection("rag_kb", dimension=8)
    client.insert("rag_kb", [{"id": 1, "vector": [0.1] * 8}])
    with pytest.raises(RagIndexError, match="was not made by rag: set milvus_collection"):
        update_index([corpus], Path(config.index_dir), config, FakeEmbedder())
    assert client.query("rag_kb", filter="id >= 0", output_fields=["id"]) == [{"id": 1}]


def test_collection_names_come_from_the_folder_and_can_be_set(config):
    assert collection_name(Path("indexes/drcd_dev"), config) == "rag_drcd_dev"
    assert collection_name(Path("indexes/DRCD_dev"), config).startswith("rag_drcd_dev_")  # + a hash: case mattered
    assert collection_name(Path("indexes/default"), config) == "rag_default"
    chinese = collection_name(Path("indexes/扶贫"), config)
    assert chinese.startswith("rag_kb_") and chinese != collection_name(Path("indexes/脱贫"), config)
    assert collection_name(Path("indexes/x"), config.replace(milvus_collection="team_a")) == "team_a"


def test_a_wrong_vector_store_names_the_valid_choices(config):
    from rag.errors import ConfigError
    from rag.index.vectors import make_vector_backend

    with pytest.raises(ConfigError, match="valid choices: faiss, milvus"):
        make_vector_backend(config.replace(vector_store="chroma"))


def test_a_replica_serves_the_revision_another_one_published(config, corpus, tmp_path, monkeypatch):
    import rag.pipeline
    from rag.pipeline import Rag

    monkeypatch.setattr(rag.pipeline, "REVISION_CHECK_S", 0.0)
    shared = config.replace(milvus_collection="rag_shared")
    fake = lambda config, precision=None: FakeEmbedder()  # noqa: E731
    writer = Rag(shared, make_embedder=fake)
    reader = Rag(shared.replace(index_dir=str(tmp_path / "replica")), make_embedder=fake)
    writer.index([corpus])
    assert {h.chunk.doc for h in reader.search(QUESTION, k=50)} == set(SEED_FILES)
    writer.remove(SEED_FILES[0])
    assert {h.chunk.doc for h in reader.search(QUESTION, k=50)} == set(SEED_FILES[1:])


def test_deleting_a_knowledge_base_drops_its_collection_and_manifests(config, corpus, tmp_path, monkeypatch):
    from rag.index.milvus_meta import MANIFESTS
    from rag.knowledge import KnowledgeBases

    monkeypatch.setattr("rag.models.embedder.make_embedder", lambda config, precision=None: FakeEmbedder())
    root = tmp_path / "indexes"
    bases = KnowledgeBases(config.replace(knowledge_bases_dir=str(root)))
    bases.create("team").index([corpus])
    assert "rag_team" in connect(config).list_collections()
    bases.delete("team")
    client = connect(config)
    assert "rag_team" not in client.list_collections()
    assert client.query(MANIFESTS, filter='kb == "rag_team"', output_fields=["key"]) == []
