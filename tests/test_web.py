"""Web pages into a knowledge base, from a small site served here on 127.0.0.1 (never an outside
address): Chinese pages with navigation, a sitemap, a robots.txt that forbids one path, a page
that changes, a 404, an image and a page too big. What is indexed, what is skipped and why, and
what a re-crawl changes."""

from __future__ import annotations

import functools
import os
import http.server
import threading
from pathlib import Path

import pytest
from fakes import FakeEmbedder

from rag.cli.main import main
from rag.collections.web import crawl, page_file
from rag.config import Config
from rag.pipeline import Rag

NAV = '<nav class="nav"><a href="/index.html">首页</a> <a href="/news/a.html">要闻</a> <a href="/private/x.html">内部</a></nav>'


def page(title: str, body: str, links: str = "") -> str:
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{NAV}"
            f"<article><h1>{title}</h1><p>{body}</p>{links}</article></body></html>")


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    (root / "news").mkdir(parents=True)
    (root / "private").mkdir()
    (root / "index.html").write_text(page("青禾县人民政府", "欢迎访问青禾县人民政府网站。",
                                          '<a href="/news/a.html">光伏</a> <a href="/news/b.html">大棚</a> '
                                          '<a href="/news/gone.html">旧闻</a> <a href="/logo.png">标志</a> '
                                          '<a href="/news/huge.html">大页</a> <a href="https://example.org/">外站</a>'),
                                     encoding="utf-8")
    (root / "news" / "a.html").write_text(page("白马村光伏电站收益公布", "白马村光伏电站今年发电收益二十三万元，全部用于村级公益岗位工资。"),
                                          encoding="utf-8")
    (root / "news" / "b.html").write_text(page("大安镇新建蔬菜大棚", "大安镇今年新建蔬菜大棚一百二十座，吸纳脱贫劳动力三百余人。"),
                                          encoding="utf-8")
    (root / "news" / "huge.html").write_text(page("大页", "很长的内容。" * 200_000), encoding="utf-8")
    (root / "private" / "x.html").write_text(page("内部通知", "不应被抓取。"), encoding="utf-8")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    (root / "sitemap.xml").write_text(f'<?xml version="1.0"?><urlset><url><loc>{url}/news/a.html</loc></url>'
                                      f'<url><loc>{url}/news/b.html</loc></url></urlset>', encoding="utf-8")
    yield root, url
    server.shutdown()


def test_a_site_is_followed_within_its_host_obeying_robots_txt_and_its_bounds(site, tmp_path):
    root, url = site
    result = crawl([url + "/index.html"], tmp_path / "web", depth=1, max_page_mb=1.0)
    assert sorted(result.saved) == sorted([url + "/index.html", url + "/news/a.html", url + "/news/b.html"])
    skipped = dict(result.skipped)
    assert skipped[url + "/private/x.html"] == "robots.txt forbids it"
    assert skipped[url + "/news/gone.html"] == "HTTP 404"
    assert skipped[url + "/logo.png"].startswith("not a web page (image/png")
    assert skipped[url + "/news/huge.html"].startswith("over 1 MB")
    assert "https://example.org/" not in {u for u, _ in result.skipped} | set(result.saved)  # another host


def test_a_sitemap_gives_its_pages(site, tmp_path):
    _root, url = site
    result = crawl([url + "/sitemap.xml"], tmp_path / "web")
    assert sorted(result.saved) == [url + "/news/a.html", url + "/news/b.html"]


def test_a_recrawl_fetches_again_only_what_changed_and_drops_what_is_gone(site, tmp_path):
    root, url = site
    folder = tmp_path / "web"
    pages = [url + "/news/a.html", url + "/news/b.html"]
    assert sorted(crawl(pages, folder).saved) == pages
    again = crawl(pages, folder)
    assert again.saved == [] and sorted(again.unchanged) == pages  # 304 or the same content
    changed = root / "news" / "b.html"
    changed.write_text(page("大安镇新建蔬菜大棚", "大安镇今年新建蔬菜大棚一百五十座。"), encoding="utf-8")
    later = changed.stat().st_mtime + 5  # Last-Modified counts whole seconds; this test is quicker
    os.utime(changed, (later, later))
    (root / "news" / "a.html").unlink()
    third = crawl(pages, folder)
    assert third.saved == [url + "/news/b.html"] and third.removed == [url + "/news/a.html"]
    assert not page_file(folder, url + "/news/a.html").exists()


def test_rag_index_takes_a_web_address_and_citations_carry_the_pages_url(site, tmp_path, monkeypatch, capsys):
    _root, url = site
    monkeypatch.setenv("RAG_EMBED_MODEL", "fake-hash")
    monkeypatch.setenv("RAG_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("RAG_MAX_FILE_MB", "1")  # a page over it is skipped, as an upload would be
    monkeypatch.setattr("rag.models.embedder.make_embedder", lambda config, precision=None: FakeEmbedder())
    index = tmp_path / "index"
    assert main(["index", url + "/index.html", "--depth", "1", "--index", str(index)]) == 0
    assert "3 pages saved" in capsys.readouterr().err
    rag = Rag(Config(index_dir=str(index), embed_model="fake-hash", models_dir=str(tmp_path / "models")),
              make_embedder=lambda config, precision=None: FakeEmbedder())
    hit = rag.search("白马村光伏电站收益", k=1)[0]
    assert hit.chunk.source == url + "/news/a.html" and "二十三万元" in hit.chunk.text
    assert "首页" not in hit.chunk.text  # the navigation is not the page's text
    assert Path(f"{index}-web").is_dir()


def test_the_http_api_fetches_pages_into_a_knowledge_base_as_a_job(site, tmp_path):
    import httpx
    from server_harness import fake_models, live_server

    _root, url = site
    with fake_models(), live_server(tmp_path / "serve") as server:
        http = httpx.Client(base_url=server.url, timeout=60)
        http.post("/v1/knowledge_bases", json={"name": "网站"})
        job = http.post("/v1/knowledge_bases/网站/urls?wait=true", json={"urls": [url + "/sitemap.xml"]}).json()
        assert job["state"] == "done" and job["files"] == [url + "/sitemap.xml"] and job["report"]["added"] == 2
        hits = http.post("/v1/search", json={"query": "大安镇蔬菜大棚", "knowledge_base": "网站"}).json()["hits"]
        assert hits[0]["source"] == url + "/news/b.html"
        bad = http.post("/v1/knowledge_bases/网站/urls", json={"urls": ["ftp://x"]})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"


def test_the_chat_pages_address_box_fetches_pages_into_its_knowledge_base(site, tmp_path):
    from rag.ui.app import on_fetch

    _root, url = site
    rag = Rag(Config(index_dir=str(tmp_path / "index"), embed_model="fake-hash", models_dir=str(tmp_path / "m"),
                     max_file_mb=1.0), make_embedder=lambda config, precision=None: FakeEmbedder())
    updates = list(on_fetch(rag, f"{url}/news/a.html\n{url}/news/gone.html\n", "g", kb="青禾县"))
    status, collection, *_rest, box = updates[-1]
    assert status.startswith("上传到 青禾县：网页 保存 1") and "gone.html（HTTP 404）" in status and box == ""
    assert "白马村光伏电站收益公布" in collection
    assert rag.search("白马村光伏电站", k=1)[0].chunk.source == url + "/news/a.html"
    assert list(on_fetch(rag, "  ", "g"))[-1][0].startswith("先输入网址")


def test_a_knowledge_bases_web_folder_is_no_knowledge_base_and_goes_with_it(tmp_path):
    from rag.config import Config
    from rag.knowledge import KnowledgeBases

    bases = KnowledgeBases(Config(knowledge_bases_dir=str(tmp_path / "indexes")))
    bases.create("公告")
    (tmp_path / "indexes" / "公告-web").mkdir()  # where rag.collections.web keeps its pages
    assert bases.names() == ["公告"]
    bases.delete("公告")
    assert not (tmp_path / "indexes" / "公告-web").exists()
