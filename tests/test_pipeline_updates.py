"""An index update through the pipeline never stops searches and never shows them a half-made
index: while an upload is being embedded, searches answer from the index as it was; once it is
published, the next search sees the new documents. Two updates of one index take turns."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fakes import FakeEmbedder

from rag.config import Config
from rag.pipeline import Rag

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
NEW = "光明县2024年新建蔬菜大棚三百二十座，带动四百一十户脱贫户增收，户均增收六千五百元。" * 2
WAIT = 30  # seconds: only a deadlock would come near it


class GatedEmbedder(FakeEmbedder):
    """Embeds documents only once `go` is set, after saying (`embedding`) that it has started."""

    def __init__(self):
        super().__init__()
        self.embedding, self.go = threading.Event(), threading.Event()

    def encode_documents(self, texts, progress=None):
        if self.encoded:  # the seeds went through already: this is the update
            self.embedding.set()
            assert self.go.wait(WAIT)
        return super().encode_documents(texts, progress)


@pytest.fixture
def rag(tmp_path):
    embedder = GatedEmbedder()
    rag = Rag(Config(embed_model="fake-hash", models_dir=str(tmp_path / "models"),
                     index_dir=str(tmp_path / "index")), make_embedder=lambda config, precision=None: embedder)
    embedder.go.set()
    rag.index([SEEDS])
    embedder.go.clear()
    new = tmp_path / "new"
    new.mkdir()
    (new / "光明县.txt").write_text(NEW, encoding="utf-8")
    rag.new_folder, rag.gate = new, embedder
    return rag


def docs_found(rag) -> set[str]:
    return {h.chunk.doc for h in rag.search("光明县蔬菜大棚", k=10)}


def test_searches_go_on_over_the_old_index_while_an_update_is_embedded(rag):
    update = threading.Thread(target=rag.index, args=([rag.new_folder],))
    update.start()
    assert rag.gate.embedding.wait(WAIT)
    try:
        assert "光明县.txt" not in docs_found(rag)  # answered now, from the index as it was
        assert len(rag.documents()) == 5
    finally:
        rag.gate.go.set()
        update.join(WAIT)
    assert "光明县.txt" in docs_found(rag) and len(rag.documents()) == 6


def test_a_second_update_waits_for_the_first_instead_of_failing(rag, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "星河村.txt").write_text(NEW.replace("光明县", "星河村"), encoding="utf-8")
    errors: list[Exception] = []

    def index(folder):
        try:
            rag.index([folder])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    first = threading.Thread(target=index, args=(rag.new_folder,))
    first.start()
    assert rag.gate.embedding.wait(WAIT)
    second = threading.Thread(target=index, args=(other,))
    second.start()
    rag.gate.go.set()
    first.join(WAIT)
    second.join(WAIT)
    assert errors == [] and {"光明县.txt", "星河村.txt"} <= {d["doc"] for d in rag.documents()}


def test_a_manifest_caught_mid_swap_is_read_again(tmp_path, monkeypatch):
    from rag import pipeline
    from rag.index.manifest import MANIFEST_FILE, Manifest

    (tmp_path / MANIFEST_FILE).write_text("{}", encoding="utf-8")
    calls = []

    def load(index_dir):
        calls.append(index_dir)
        if len(calls) == 1:
            raise FileNotFoundError(index_dir / MANIFEST_FILE)  # renamed away between check and read
        return "the new manifest"

    monkeypatch.setattr(Manifest, "load", staticmethod(load))
    assert pipeline._manifest(tmp_path) == "the new manifest" and len(calls) == 2
