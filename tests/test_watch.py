"""Watched folders: the index follows a folder as files are added, edited and deleted, a file
still being written is read only once whole, and `rag serve` keeps a knowledge base in step with
the folder its `watch` setting names. Real watchfiles, real index (hash embedder)."""

from __future__ import annotations

import queue
import threading
import time

import httpx
import pytest
from fakes import FakeEmbedder
from server_harness import fake_models, live_server

from rag.collections.watch import Sync, parse_watch, settled, watch
from rag.config import Config
from rag.errors import ConfigError
from rag.pipeline import Rag

WAIT_S = 30  # only a watcher that never fires comes near it


@pytest.fixture
def watched(tmp_path):
    """A folder, its index, and a running watcher whose syncs arrive on a queue."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("平安县2024年新修产业路十二公里，惠及三个脱贫村。", encoding="utf-8")
    config = Config(index_dir=str(tmp_path / "index"), embed_model="fake-hash", models_dir=str(tmp_path / "m"))
    rag = Rag(config, make_embedder=lambda config, precision=None: FakeEmbedder())
    rag.index([folder])
    syncs: queue.Queue[Sync] = queue.Queue()
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=([folder], lambda: rag.index([folder]), syncs.put, stop),
                              kwargs={"settle_s": 0.5}, daemon=True)
    thread.start()
    time.sleep(0.3)  # the watcher is listening
    yield folder, rag, syncs
    stop.set()
    thread.join(timeout=10)


def texts(rag: Rag) -> dict[str, str]:
    return {d["doc"]: d.get("title", "") for d in rag.documents()}


def found(rag: Rag, query: str) -> str:
    hits = rag.search(query, k=1)
    return hits[0].chunk.text if hits else ""


def test_an_added_file_is_indexed_and_searchable(watched):
    folder, rag, syncs = watched
    (folder / "b.txt").write_text("白马村光伏电站今年发电收益二十三万元。", encoding="utf-8")
    sync = syncs.get(timeout=WAIT_S)
    assert not sync.error and "1 added" in sync.summary and any(p.endswith("b.txt") for p in sync.changed)
    assert "二十三万元" in found(rag, "白马村光伏电站收益")


def test_an_edited_file_shows_its_new_text_and_a_deleted_one_is_gone(watched):
    folder, rag, syncs = watched
    (folder / "a.txt").write_text("平安县2024年新修产业路二十公里。", encoding="utf-8")
    assert "1 updated" in syncs.get(timeout=WAIT_S).summary
    assert "二十公里" in found(rag, "平安县产业路")
    (folder / "a.txt").unlink()
    assert "1 removed" in syncs.get(timeout=WAIT_S).summary
    assert "a.txt" not in texts(rag)


def test_a_file_still_being_written_is_read_only_once_whole(watched):
    folder, rag, syncs = watched
    parts = [f"第{n}段：青禾县第{n}村新建蔬菜大棚{n}座。" for n in range(1, 8)]

    def write_slowly():
        with (folder / "slow.txt").open("w", encoding="utf-8") as out:
            for part in parts:
                out.write(part + "\n")
                out.flush()
                time.sleep(0.25)  # under the settle time: the file keeps moving

    writer = threading.Thread(target=write_slowly)
    writer.start()
    sync = syncs.get(timeout=WAIT_S)
    writer.join()
    assert not sync.error
    indexed = "".join(c for c in found(rag, "青禾县第7村蔬菜大棚"))
    assert "第7村" in indexed and "第1村" in indexed  # the whole file, not what was there at the first event


def test_a_burst_of_changes_is_one_update(watched):
    folder, rag, syncs = watched
    for n in range(5):
        (folder / f"burst-{n}.txt").write_text(f"第{n}号简报：新修道路{n + 1}公里。", encoding="utf-8")
    sync = syncs.get(timeout=WAIT_S)
    assert "5 added" in sync.summary and len(sync.changed) == 5


def test_settled_waits_while_a_file_grows(tmp_path):
    path = tmp_path / "growing.txt"
    path.write_text("x")
    stop_growing = time.monotonic() + 1.2

    def grow():
        while time.monotonic() < stop_growing:
            with path.open("a") as out:
                out.write("x")
            time.sleep(0.1)

    grower = threading.Thread(target=grow)
    grower.start()
    settled([path], settle_s=0.3)
    assert time.monotonic() >= stop_growing  # it waited for the writing to end
    grower.join()


def test_the_watch_setting_names_knowledge_bases_and_existing_folders(tmp_path):
    assert parse_watch(f"团队={tmp_path}; 公告 = {tmp_path}") == [("团队", tmp_path), ("公告", tmp_path)]
    with pytest.raises(ConfigError, match="KNOWLEDGE_BASE=FOLDER"):
        parse_watch(str(tmp_path))
    with pytest.raises(ConfigError, match="is not a folder"):
        parse_watch(f"x={tmp_path / 'missing'}")


def test_rag_serve_refuses_a_wrong_watch_entry_before_it_starts(tmp_path, monkeypatch, capsys):
    from rag.cli.main import main

    monkeypatch.setenv("RAG_WATCH", f"x={tmp_path / 'missing'}")
    monkeypatch.setenv("RAG_KNOWLEDGE_BASES_DIR", str(tmp_path / "indexes"))
    monkeypatch.setattr("rag.cli.ui.ensure_index", lambda rag, command="": None)
    assert main(["serve", "--no-page"]) != 0
    err = capsys.readouterr().err
    assert "is not a folder" in err and len(err.strip().splitlines()) == 1


def test_rag_serve_keeps_a_knowledge_base_in_step_with_its_watched_folder(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "通知.txt").write_text("光明县2024年新建蔬菜大棚三百二十座，带动四百一十户脱贫户增收。", encoding="utf-8")
    with fake_models(), live_server(tmp_path, watch=f"共享={folder}") as server:
        listing = lambda: {kb["name"]: kb for kb in httpx.get(server.url + "/v1/knowledge_bases").json()["data"]}  # noqa: E731
        deadline = time.monotonic() + WAIT_S
        while not listing().get("共享", {}).get("last_sync"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert listing()["共享"]["documents"] == 1 and "1 added" in listing()["共享"]["last_sync"]["summary"]
        (folder / "简报.txt").write_text("白马村光伏电站今年发电收益二十三万元。", encoding="utf-8")
        while listing()["共享"]["documents"] < 2:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        hits = httpx.post(server.url + "/v1/search", json={"query": "白马村光伏电站", "knowledge_base": "共享"}).json()
        assert hits["hits"][0]["doc"] == "简报.txt"
