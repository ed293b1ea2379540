"""The index: build, save, load, incremental updates, atomic writes, manifest checks.
Real loader, chunker, FAISS and bm25s; the fake embedder keeps it fast."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from conftest import SEED_FILES
from fakes import FakeEmbedder

from rag.config import Config
from rag.errors import RagIndexError
from rag.index import load_index, remove_documents, update_index
from rag.index.sparse import SparseIndex



@pytest.fixture
def config(tmp_path) -> Config:
    return Config(embed_model="fake-hash", models_dir=str(tmp_path / "models"), index_dir=str(tmp_path / "index"))


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def built(corpus, config, embedder) -> Path:
    update_index([corpus], Path(config.index_dir), config, embedder)
    embedder.encoded.clear()
    return Path(config.index_dir)


def test_first_build_adds_every_document(corpus, config, embedder):
    report = update_index([corpus], Path(config.index_dir), config, embedder)
    assert (report.added, report.updated, report.removed, report.unchanged) == (3, 0, 0, 0)
    assert report.chunks == len(load_index(Path(config.index_dir), config)) > 3
    assert report.embedded == len(set(embedder.encoded)) > 0 and report.seconds > 0


def test_manifest_records_what_the_index_was_built_from(built, corpus, config, embedder):
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == 1 and manifest["embed_name"] == "fake-hash"
    assert manifest["embed_fingerprint"] == embedder.fingerprint and manifest["dim"] == embedder.dim
    assert manifest["config"]["chunk_size"] == config.chunk_size
    assert manifest["chunk_count"] == len(load_index(built, config))
    import hashlib
    sha = {d["doc"]: d["sha256"] for d in manifest["documents"]}
    assert sha == {n: hashlib.sha256((corpus / n).read_bytes()).hexdigest() for n in SEED_FILES}


def test_saved_index_loads_with_the_same_chunks_in_every_part(built, config):
    index = load_index(built, config)
    assert len(index.store) == len(index.dense) == len(index.sparse) == index.manifest.chunk_count
    assert {c.doc for c in index.store.chunks} == set(SEED_FILES)


def test_documents_lists_doc_title_and_chunk_count(built, config):
    docs = load_index(built, config).documents()
    assert [d["doc"] for d in docs] == list(SEED_FILES)
    assert docs[0]["title"].startswith("藤县") and all(d["chunks"] > 0 for d in docs)


def test_an_unchanged_collection_embeds_nothing(built, corpus, config, embedder):
    report = update_index([corpus], built, config, embedder)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 3)
    assert embedder.encoded == []


def test_an_unchanged_file_is_not_read_again(built, corpus, config, embedder, monkeypatch):
    import rag.ingest.load as load

    read: list[str] = []
    real = load.load_file
    monkeypatch.setattr(load, "load_file", lambda path, doc, *a, **k: read.append(doc) or real(path, doc, *a, **k))
    path = corpus / SEED_FILES[2]
    path.write_text(path.read_text(encoding="utf-8") + "\n\n新增一段：黔江区新建扶贫车间十二个。\n", encoding="utf-8")
    report = update_index([corpus], built, config, embedder)
    assert read == [SEED_FILES[2]] and (report.updated, report.unchanged) == (1, 2)


def test_every_file_is_read_again_when_the_chunk_settings_change(built, corpus, config, embedder, monkeypatch):
    import rag.ingest.load as load

    read: list[str] = []
    real = load.load_file
    monkeypatch.setattr(load, "load_file", lambda path, doc, *a, **k: read.append(doc) or real(path, doc, *a, **k))
    update_index([corpus], built, config.replace(chunk_size=150), embedder)
    assert sorted(read) == sorted(SEED_FILES[:3])


def test_the_files_read_are_counted_as_they_are_read(corpus, config, embedder):
    ticks: list[tuple] = []
    update_index([corpus], Path(config.index_dir), config, embedder, progress=lambda *t: ticks.append(t))
    assert [t[1:] for t in ticks if t[0] == "read"] == [(n, 3) for n in (1, 2, 3)]


def test_a_new_file_is_the_only_one_embedded(built, corpus, config, embedder, seeds_dir):
    shutil.copyfile(seeds_dir / "003_01805ac3adffc66a.txt", corpus / "new.txt")
    report = update_index([corpus], built, config, embedder)
    assert (report.added, report.unchanged) == (1, 3)
    index = load_index(built, config)
    new_texts = {c.index_text for c in index.store.chunks if c.doc == "new.txt"}
    assert set(embedder.encoded) == new_texts


def test_a_changed_file_is_updated_and_only_its_new_text_embedded(built, corpus, config, embedder):
    path = corpus / SEED_FILES[2]
    path.write_text(path.read_text(encoding="utf-8") + "\n\n新增一段：黔江区新建扶贫车间十二个。\n", encoding="utf-8")
    report = update_index([corpus], built, config, embedder)
    assert (report.updated, report.unchanged) == (1, 2)
    assert embedder.encoded and all(SEED_FILES[2] not in t for t in embedder.encoded)
    assert any("扶贫车间十二个" in t for t in embedder.encoded)
    assert any("扶贫车间十二个" in c.text for c in load_index(built, config).store.chunks)


def test_a_deleted_file_is_removed(built, corpus, config, embedder):
    (corpus / SEED_FILES[0]).unlink()
    report = update_index([corpus], built, config, embedder)
    assert (report.removed, report.unchanged) == (1, 2)
    index = load_index(built, config)
    assert SEED_FILES[0] not in {c.doc for c in index.store.chunks}
    assert len(index.store) == len(index.dense) == len(index.sparse)


def test_a_file_that_can_no_longer_be_read_keeps_its_indexed_version(built, corpus, config, embedder):
    (corpus / SEED_FILES[1]).write_bytes(bytes(range(256)) * 40)  # a damaged copy over a good file
    report = update_index([corpus], built, config, embedder)
    assert (report.removed, report.unchanged, report.unreadable) == (0, 3, [SEED_FILES[1]])
    assert any(f"{SEED_FILES[1]}: could not be read this time; its indexed version was kept" == w for w in report.warnings)
    assert SEED_FILES[1] in {c.doc for c in load_index(built, config).store.chunks}


def test_every_warning_of_an_update_is_heard_as_it_comes_and_ends_in_the_report(built, corpus, config, embedder):
    (corpus / SEED_FILES[1]).write_bytes(bytes(range(256)) * 40)  # the loader's line, then the indexer's own
    heard: list[str] = []
    report = update_index([corpus], built, config, embedder, warn=heard.append)
    assert heard == report.warnings and len(heard) == 2
    assert heard[1] == f"{SEED_FILES[1]}: could not be read this time; its indexed version was kept"
    assert "heard" not in report.to_json()


def test_documents_from_other_roots_are_kept(built, config, embedder, tmp_path, seeds_dir):
    other = tmp_path / "other"
    other.mkdir()
    shutil.copyfile(seeds_dir / "004_befd111a20e1a564.txt", other / "004.txt")
    report = update_index([other], built, config, embedder)
    assert (report.added, report.removed, report.unchanged) == (1, 0, 3)
    assert {d["doc"] for d in load_index(built, config).documents()} == {*SEED_FILES, "004.txt"}


def test_rebuild_starts_over(built, corpus, config, embedder):
    report = update_index([corpus], built, config, embedder, rebuild=True)
    assert (report.added, report.unchanged) == (3, 0) and report.embedded > 0


def test_changed_chunk_settings_chunk_everything_again(built, corpus, config, embedder):
    report = update_index([corpus], built, config.replace(chunk_size=150), embedder)
    assert report.updated == 3 and any("chunking settings changed" in w for w in report.warnings)
    assert load_index(built, config).manifest.config["chunk_size"] == 150


def test_progress_is_reported_while_embedding(corpus, config, embedder):
    ticks = []
    update_index([corpus], Path(config.index_dir), config, embedder, progress=lambda *t: ticks.append(t))
    assert ticks and ticks[-1][0] == "embed" and ticks[-1][1] == ticks[-1][2]


def test_later_files_are_read_while_the_first_chunks_are_embedded(tmp_path, config):
    from rag.index import update_documents
    from rag.index.build import EMBED_WINDOW
    from rag.types import Document

    started = threading.Event()

    class Signalling(FakeEmbedder):
        def encode_documents(self, texts, progress=None):
            started.set()
            return super().encode_documents(texts, progress)

    def documents():
        for i in range(EMBED_WINDOW + 1):
            yield Document(doc=f"{i:04d}.txt", text=f"第{i}号文件记录了编号为{i}的仓库的库存情况。", sha256=str(i))
        read_on = started.wait(timeout=30)  # embedding began before the last file was read
        yield Document(doc="last.txt", text=f"最后一份文件{'已在嵌入期间读取' if read_on else '等到了嵌入之后'}。", sha256="z")

    update_documents(lambda _indexed: documents(), [], Path(config.index_dir), config, Signalling())
    texts = [c.text for c in load_index(Path(config.index_dir), config).store.chunks]
    assert len(texts) == EMBED_WINDOW + 2 and "最后一份文件已在嵌入期间读取。" in texts


def test_a_failure_while_reading_leaves_the_old_index_loadable(built, corpus, config, embedder, monkeypatch):
    import rag.index.build as build

    def unreadable(doc, config):
        raise RuntimeError("cannot chunk")

    (corpus / SEED_FILES[0]).write_text("新的内容。", encoding="utf-8")
    monkeypatch.setattr(build, "chunk_document", unreadable)
    with pytest.raises(RuntimeError, match="cannot chunk"):
        update_index([corpus], built, config, embedder)
    assert {d["doc"] for d in load_index(built, config).documents()} == set(SEED_FILES)


def test_a_failure_while_writing_leaves_the_old_index_loadable(built, corpus, config, embedder, monkeypatch):
    before = [c.id for c in load_index(built, config).store.chunks]
    (corpus / SEED_FILES[0]).unlink()

    def crash(self, folder):
        (folder / "sparse").mkdir()
        raise OSError("disk full")

    monkeypatch.setattr(SparseIndex, "save", crash)
    with pytest.raises(OSError):
        update_index([corpus], built, config, embedder)
    assert [c.id for c in load_index(built, config).store.chunks] == before
    assert not list(built.parent.glob(".index.tmp-*"))


def test_a_failure_while_embedding_leaves_the_old_index_loadable(built, corpus, config, seeds_dir):
    class Exploding(FakeEmbedder):
        def encode_documents(self, texts, progress=None):
            raise RuntimeError("killed midway")

    shutil.copyfile(seeds_dir / "003_01805ac3adffc66a.txt", corpus / "new.txt")
    with pytest.raises(RuntimeError):
        update_index([corpus], built, config, Exploding())
    assert {d["doc"] for d in load_index(built, config).documents()} == set(SEED_FILES)


def test_a_swap_interrupted_between_renames_is_recovered_on_load(built, config):
    built.rename(built.with_name(".index.old"))
    assert len(load_index(built, config)) > 0


def test_a_stale_staging_folder_from_a_killed_build_is_cleared(built, corpus, config, embedder):
    stale = built.with_name(".index.tmp-99999")
    stale.mkdir()
    update_index([corpus], built, config, embedder, rebuild=True)
    assert not stale.exists()


def test_an_index_from_another_embedding_model_is_refused_on_load(built, config):
    with pytest.raises(RagIndexError, match="rag index --rebuild"):
        load_index(built, config.replace(embed_model="multilingual-e5-small"))


def test_an_embedder_with_other_weights_is_refused_on_update(built, corpus, config):
    other = FakeEmbedder()
    other.fingerprint = "different-weights"
    with pytest.raises(RagIndexError, match="rag index --rebuild"):
        update_index([corpus], built, config, other)


def test_a_missing_index_says_to_run_rag_index(tmp_path, config):
    with pytest.raises(RagIndexError, match="no index at .*: run `rag index`"):
        load_index(tmp_path / "nowhere", config)


def test_a_damaged_index_says_to_rebuild(built, config):
    (built / "chunks.jsonl").unlink()
    with pytest.raises(RagIndexError, match="damaged.*rag index --rebuild"):
        load_index(built, config)


def test_an_index_of_another_format_version_says_to_rebuild(built, config):
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    (built / "manifest.json").write_text(json.dumps({**manifest, "format": 99}), encoding="utf-8")
    with pytest.raises(RagIndexError, match="format 99.*rag index --rebuild"):
        load_index(built, config)


def test_nothing_to_index_is_an_error(tmp_path, config, embedder):
    (tmp_path / "empty").mkdir()
    with pytest.raises(RagIndexError, match="nothing to index"):
        update_index([tmp_path / "empty"], Path(config.index_dir), config, embedder)


def test_remove_documents_drops_them_without_embedding(built, config, embedder):
    report = remove_documents(built, [SEED_FILES[1], "nope.txt"], config, embedder)
    assert (report.removed, report.unchanged) == (1, 2) and embedder.encoded == []
    assert any("nope.txt" in w for w in report.warnings)
    assert SEED_FILES[1] not in {d["doc"] for d in load_index(built, config).documents()}


def test_removing_every_document_leaves_an_empty_usable_index(built, config, embedder):
    remove_documents(built, list(SEED_FILES), config, embedder)
    index = load_index(built, config)
    assert len(index) == 0 and index.documents() == []


def test_a_second_writer_is_told_to_wait(built, corpus, config, embedder):
    import fcntl

    with open(built.with_name(".index.lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(RagIndexError, match="another process"):
            update_index([corpus], built, config, embedder)


def test_large_collections_get_an_hnsw_index_that_still_finds_exact_matches(corpus, config, embedder):
    config = config.replace(hnsw_above=10)
    update_index([corpus], Path(config.index_dir), config, embedder)
    index = load_index(Path(config.index_dir), config)
    assert index.manifest.dense_kind == "hnsw" and index.dense.kind == "hnsw"
    chunk = index.store[7]
    found = index.dense.search(embedder.encode_query(chunk.index_text), 3)
    assert 7 in found.rows.tolist()
    only = index.dense.search(embedder.encode_query(chunk.index_text), 3, allowed=index.store.rows_of([chunk.doc]))
    assert 7 in only.rows.tolist() and {index.store[r].doc for r in only.rows} == {chunk.doc}


def test_the_manifest_never_records_an_api_key(corpus, config, embedder):
    config = config.replace(openai_api_key="sk-secret")
    update_index([corpus], Path(config.index_dir), config, embedder)
    assert "sk-secret" not in (Path(config.index_dir) / "manifest.json").read_text(encoding="utf-8")
