"""The chat page in real headless Chromium (Debian's, driven by Playwright; never a downloaded
browser). The first tests drive the page over a fake pipeline in seconds (one of them the page
mounted by `rag serve`, creating and switching knowledge bases); the last starts
`rag ui` over the seed documents with the real models and does what a person would: ask, watch
the answer stream in, check a citation, ask a follow-up, upload a GBK file, ask about it."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from browser_harness import FINAL, ChatPage, free_port
from conftest import ROOT
from ui_fakes import FakeRag

pytestmark = pytest.mark.browser
SCREENSHOT = ROOT / "eval" / "runs" / "ui" / "chat.png"
STREAM_DELAY_S = 0.08  # between the fake model's pieces: streaming is seen, tests stay quick
GBK_NOTE = "平南县扶贫简报\n\n平南县2019年建成扶贫车间37个，带动贫困群众就业1260人。\n"


@pytest.fixture(scope="module")
def fake_server(tmp_path_factory):
    from rag.config import Config
    from rag.ui.app import serve

    folder = tmp_path_factory.mktemp("ui")
    rag = FakeRag(Config(index_dir=str(folder / "index"), models_dir=str(folder / "models")), delay=STREAM_DELAY_S)
    demo = serve(rag, port=free_port(), block=False)
    yield rag, demo.local_url
    demo.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def tab(context, fake_server) -> ChatPage:
    return ChatPage(context, fake_server[1])


@pytest.fixture
def slow_model(fake_server):
    """A model slow enough that its answer is still streaming when a busy machine's page looks."""
    fake_server[0].delay = 0.5
    yield fake_server[0]
    fake_server[0].delay = STREAM_DELAY_S


def test_an_answer_streams_in_and_its_citation_opens_in_a_click(tab, slow_model):
    tab.ask("藤县的贫困发生率下降到了多少?")
    streamed = tab.wait_streaming_text()
    answer = tab.wait_answer(1)
    assert streamed and answer.startswith(streamed) and "0.59%" in answer and len(answer) > len(streamed)
    tab.page.locator("#rag-chat a.rag-ref").first.click()
    passage = tab.page.locator("#rag-t1-c1")
    assert passage.is_visible() and "0.59%" in passage.locator("mark.rag-span").inner_text()
    assert "rag-flash" in passage.get_attribute("class")


def test_the_passages_being_read_show_before_any_answer_text(tab):
    tab.ask("藤县的贫困发生率下降到了多少?")
    tab.page.wait_for_selector("#rag-chat .rag-streaming .rag-reading mark.rag-span", timeout=15_000)
    reading = tab.page.locator("#rag-chat .rag-streaming").last
    assert "正在阅读" in reading.inner_text() and "0.59%" in reading.locator("mark.rag-span").first.inner_text()
    assert "0.59%" in tab.wait_answer(1)
    assert tab.page.locator("#rag-chat .rag-reading").count() == 0  # the answer replaced them


ENGLISH_ON_THE_PAGE = ("Click to upload", "Drop File Here", "Copy message", "Clear", "Loading", "Submit",
                       "Examples", "top-k", "default", "no index at", "knowledge base", "Use via API",
                       "Built with Gradio", "Settings", "Error", "Reset to default value", "Textbox", "Uploading")


def test_a_chinese_browser_sees_no_english_on_the_page(browser, fake_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        tab = ChatPage(context, fake_server[1])
        tab.ask("藤县的贫困发生率下降到了多少?")
        tab.wait_answer(1)
        tab.page.locator("#rag-chat .rag-answer").last.hover()  # the copy button shows on hover
        shown = tab.page.locator("body").inner_text()
        labels = " ".join(tab.page.eval_on_selector_all(
            "[aria-label], [title], [placeholder]",
            "els => els.filter(e => e.offsetParent !== null).map(e => [e.getAttribute('aria-label'),"
            " e.getAttribute('title'), e.getAttribute('placeholder')].filter(Boolean).join(' '))"))
        found = [word for word in ENGLISH_ON_THE_PAGE if word in shown or word in labels]
        assert found == [], found
    finally:
        context.close()


def test_gradios_upload_progress_is_said_in_chinese_on_a_chinese_browser(browser, fake_server, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        tab = ChatPage(context, fake_server[1])
        cdp = context.new_cdp_session(tab.page)  # a slow line, so the transfer is seen: 40 kB/s
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions",
                 {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 40_000})
        (tmp_path / "archive.zip").write_bytes(b"PK\x05\x06" + bytes(120_000))  # refused after the transfer
        tab.page.set_input_files("#rag-upload input[type=file]", str(tmp_path / "archive.zip"))
        tab.page.wait_for_function("document.querySelector('#rag-upload').innerText.includes('正在上传 1 个文件')",
                                   timeout=15_000)
        assert "Uploading" not in tab.page.locator("#rag-upload").inner_text()
    finally:
        context.close()

def test_stop_cuts_a_streaming_answer_short_and_the_next_question_is_answered(tab, slow_model):
    tab.ask("藤县的贫困发生率下降到了多少?")
    tab.wait_streaming_text()
    tab.page.locator("#rag-stop").click()
    tab.page.wait_for_function("document.querySelector('#rag-chat .rag-stopped') !== null", timeout=10_000)
    assert "已停止" in tab.page.locator("#rag-chat .rag-stopped").inner_text()
    tab.ask("黔江区在贫困村投入了多少资金?")
    tab.wait_answer(2)  # the model was let go: the next question gets its cited answer
    assert tab.page.locator(FINAL).nth(0).locator(".rag-ref").count() == 0
    assert tab.page.locator(FINAL).nth(1).locator(".rag-ref").count() > 0


def test_stop_pressed_while_the_question_waits_for_another_tabs_answer_stops_it(browser, fake_server, slow_model):
    first, second = (ChatPage(browser.new_context(), fake_server[1]) for _ in range(2))  # two sessions
    try:
        first.ask("藤县的贫困发生率下降到了多少?")
        first.wait_streaming_text()
        second.ask("黔江区在贫困村投入了多少资金?")  # waits for the first tab's answer
        second.page.locator("#rag-stop").click()
        second.page.wait_for_selector(f"#rag-chat .rag-stopped, {FINAL}", timeout=60_000)
        assert second.page.locator("#rag-chat .rag-stopped").count() == 1, second.wait_answer(1)
        assert "0.59%" in first.wait_answer(1)  # the first tab's answer was not stopped
    finally:
        first.page.context.close()
        second.page.context.close()

def test_two_tabs_keep_their_own_conversations(context, fake_server):
    rag, url = fake_server
    first, second = ChatPage(context, url), ChatPage(context, url)
    first.ask("藤县的贫困发生率下降到了多少?")
    first.wait_answer(1)
    assert second.page.locator("#rag-chat .rag-answer").count() == 0
    second.ask("黔江区在贫困村投入了多少资金?")
    assert "6.8亿元" in second.wait_answer(1)
    assert rag.asked[-1].history == ()  # the first tab's conversation did not reach this question
    assert first.page.locator("#rag-chat .rag-answer").count() == 1 and "6.8亿元" not in first.wait_answer(1)


def test_a_failing_question_shows_an_error_and_the_chat_goes_on(tab):
    tab.ask("这个问题会出错")
    assert "the generator crashed" in tab.page.locator("#rag-chat .rag-error").inner_text(timeout=15_000)
    tab.ask("藤县的贫困发生率下降到了多少?")
    assert "0.59%" in tab.wait_answer(2)


def test_the_chats_one_clear_button_empties_the_conversation_and_its_history(tab, fake_server):
    tab.ask("藤县的贫困发生率下降到了多少?")
    tab.wait_answer(1)
    tab.page.locator('#rag-chat button[aria-label="Clear"], #rag-chat button[aria-label="清除"]').click()
    tab.page.wait_for_function("document.querySelectorAll('#rag-chat .rag-answer').length === 0", timeout=10_000)
    tab.ask("黔江区在贫困村投入了多少资金?")
    tab.wait_answer(1)
    assert fake_server[0].asked[-1].history == ()


def test_an_unsupported_upload_is_refused_with_a_message(tab, tmp_path):
    (tmp_path / "archive.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    tab.page.set_input_files("#rag-upload input[type=file]", str(tmp_path / "archive.zip"))
    tab.page.wait_for_function("document.querySelector('#rag-status').innerText.includes('archive.zip：不支持 .zip 类型的文件')",
                               timeout=15_000)


def test_an_uploaded_file_is_indexed_listed_and_can_be_deleted(tab, tmp_path):
    (tmp_path / "note.txt").write_bytes(GBK_NOTE.encode("gbk"))
    tab.page.set_input_files("#rag-upload input[type=file]", str(tmp_path / "note.txt"))
    tab.page.wait_for_function("document.querySelector('#rag-status').innerText.includes('已索引')", timeout=15_000)
    assert "平南县扶贫简报" in tab.page.locator("#rag-collection").inner_text()
    asked: list[str] = []
    for answer in ("dismiss", "accept"):  # 删除 asks first; only a yes removes the document
        tab.page.locator("#rag-doc-pick input").click()
        tab.page.get_by_role("option", name=re.compile("note.txt")).click()
        tab.page.once("dialog", lambda dialog: (asked.append(dialog.message), getattr(dialog, answer)()))
        tab.page.locator("#rag-delete").click()
        if answer == "dismiss":
            tab.page.wait_for_function("document.querySelector('#rag-status').innerText.includes('先在列表中选择')",
                                       timeout=15_000)
            assert "平南县扶贫简报" in tab.page.locator("#rag-collection").inner_text()
    tab.page.wait_for_function("document.querySelector('#rag-status').innerText.includes('已删除 note.txt')",
                               timeout=15_000)
    assert "平南县扶贫简报" not in tab.page.locator("#rag-collection").inner_text()
    assert len(asked) == 2 and "note.txt" in asked[0] and "不能撤销" in asked[0]


def test_the_page_loads_nothing_from_outside_the_server(tab):
    tab.ask("藤县的贫困发生率下降到了多少?")
    tab.wait_answer(1)
    assert len(tab.requests) > 5 and tab.external_requests() == []


class UiServer:
    """`python -m rag ui` in a subprocess; its output is read in a thread so it never blocks."""

    def __init__(self, index_dir: Path, env: dict[str, str]):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "rag", "ui", "--index", str(index_dir),
                                      "--port", str(self.port)], cwd=ROOT, env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.log.append(line)
            self.lines.put(line)

    def wait_address(self, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            if match := re.search(r"rag ui: (http://127\.0\.0\.1:\d+/)", line):
                return match.group(1)
        pytest.fail("rag ui printed no address:\n" + "".join(self.log))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def real_server(models_config, tmp_path):
    """`rag ui` over a missing index (so it indexes seeds/ first) with the fast 0.5B generator."""
    env = {**os.environ, "RAG_MODELS_DIR": str(models_config.models_path),
           "RAG_GENERATOR": "qwen2.5-coder-0.5b-instruct", "RAG_INDEX_DIR": str(tmp_path / "unused")}
    server = UiServer(tmp_path / "index", env)
    try:
        yield server, server.wait_address(timeout_s=900)
    finally:
        server.stop()


def test_on_rag_serve_the_page_answers_creates_a_knowledge_base_and_switches_to_it(context, tmp_path):
    from server_harness import fake_models, live_server

    with fake_models(), live_server(tmp_path, page=True) as server:
        tab = ChatPage(context, server.url + "/")
        tab.ask("藤县的贫困发生率下降到了多少?")
        assert "0.59%" in tab.wait_answer(1)
        tab.page.locator("#rag-new-kb textarea, #rag-new-kb input").first.fill("团队-a")
        tab.page.locator("#rag-create-kb").click()
        tab.page.wait_for_function("document.querySelector('#rag-status').innerText.includes('已新建')",
                                   timeout=15_000)
        tab.page.wait_for_function("document.querySelector('#rag-collection').innerText.includes('0 篇文档')",
                                   timeout=15_000)
        assert tab.page.locator("#rag-kb input").input_value() == "团队-a"
        assert tab.page.locator("#rag-chat .rag-answer").count() == 0  # a fresh conversation
        assert "团队-a" in [m["id"] for m in httpx.get(server.url + "/v1/models").json()["data"]]


@pytest.mark.models
def test_a_person_asks_checks_a_citation_follows_up_uploads_and_asks_again(browser, real_server, tmp_path):
    server, url = real_server
    assert any("indexing seeds" in line for line in server.log)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    tab = ChatPage(browser.new_context(viewport={"width": 1360, "height": 1000}), url)
    assert "5</b> 篇文档" in tab.page.locator("#rag-collection").inner_html()

    tab.ask("藤县的贫困发生率下降到了多少?")
    tab.page.wait_for_selector("#rag-chat .rag-streaming", timeout=30_000)  # shown before it is answered
    assert "0.59%" in tab.wait_answer(1, timeout_s=300)
    link = tab.page.locator(FINAL).nth(0).locator("a.rag-ref").first
    passage = tab.page.locator(link.get_attribute("href"))
    link.click()
    assert passage.is_visible() and "0.59%" in passage.inner_text()
    tab.page.screenshot(path=str(SCREENSHOT.with_name("chat-citation.png")))

    tab.ask("它累计实现多少贫困人口减贫?")
    followup = tab.wait_answer(2, timeout_s=300)
    assert "藤县" in tab.page.locator(FINAL).nth(1).locator(".rag-query").inner_text()
    assert tab.page.locator("#rag-chat .rag-error").count() == 0, followup

    note = tmp_path / "qinghe_gbk.txt"
    note.write_bytes("青禾县扶贫简报\n\n2019年，青禾县建成扶贫车间37个，带动贫困群众就业1260人。\n".encode("gbk"))
    tab.page.set_input_files("#rag-upload input[type=file]", str(note))
    tab.page.wait_for_function("document.querySelector('#rag-status').innerText.includes('已索引')", timeout=300_000)
    assert "青禾县扶贫简报" in tab.page.locator("#rag-collection").inner_text()

    tab.ask("青禾县建成了多少个扶贫车间?")
    assert "37" in tab.wait_answer(3, timeout_s=300)
    assert "qinghe_gbk.txt" in tab.page.locator(FINAL).nth(2).locator(".rag-cite .rag-doc").first.inner_text()
    tab.page.screenshot(path=str(SCREENSHOT))
    assert tab.external_requests() == []


def test_after_a_reload_the_selector_lists_every_knowledge_base_and_uploads_land_in_the_chosen_one(context,
                                                                                                   tmp_path):
    from server_harness import fake_models, live_server

    with fake_models(), live_server(tmp_path, page=True) as server:
        tab = ChatPage(context, server.url + "/")
        # created elsewhere (the API), after this page was built
        httpx.post(server.url + "/v1/knowledge_bases", json={"name": "青禾县"}).raise_for_status()
        tab.page.reload()
        tab.page.wait_for_function("document.querySelector('#rag-collection')?.innerText.includes('篇文档')",
                                   timeout=15_000)
        tab.page.locator("#rag-new-kb textarea, #rag-new-kb input").first.fill("青禾县")
        tab.page.locator("#rag-create-kb").click()  # an existing name: switch to it
        tab.page.wait_for_function("document.querySelector('#rag-status').innerText.includes('已切换')",
                                   timeout=15_000)
        tab.page.reload()  # this browser's choice is remembered
        tab.page.wait_for_function("document.querySelector('#rag-kb input')?.value === '青禾县'", timeout=15_000)
        (tmp_path / "note.txt").write_bytes(GBK_NOTE.encode("gbk"))
        tab.page.set_input_files("#rag-upload input[type=file]", str(tmp_path / "note.txt"))
        assert "当前知识库：青禾县" in tab.page.locator("#rag-active").inner_text()
        tab.page.wait_for_function("document.querySelector('#rag-status').innerText.includes('上传到 青禾县：已索引')",
                                   timeout=30_000)
        other = ChatPage(context, server.url + "/")  # a second tab creates one: the first sees it on opening
        other.page.locator("#rag-new-kb textarea, #rag-new-kb input").first.fill("第二个")
        other.page.locator("#rag-create-kb").click()
        other.page.wait_for_function("document.querySelector('#rag-status').innerText.includes('已新建')",
                                     timeout=15_000)
        tab.page.locator("#rag-kb input").click()
        tab.page.get_by_role("option", name="第二个").wait_for(timeout=15_000)
        tab.page.keyboard.press("Escape")
        assert tab.page.locator("#rag-kb input").input_value() == "青禾县"  # still where the user is
        listed = httpx.get(server.url + "/v1/knowledge_bases/青禾县/documents").json()
        assert "note.txt" in str(listed)
        assert "note.txt" not in str(httpx.get(server.url + "/v1/knowledge_bases/default/documents").json())


def test_a_knowledge_base_made_elsewhere_joins_the_selector_with_the_check_on_the_chosen_one(context, tmp_path,
                                                                                               monkeypatch):
    from server_harness import fake_models, live_server

    monkeypatch.setattr("rag.ui.bases.REFRESH_S", 1.0)  # the page looks again every second, not every 15
    with fake_models(), live_server(tmp_path, page=True) as server:
        for name in ("乙", "甲"):
            httpx.post(server.url + "/v1/knowledge_bases", json={"name": name}).raise_for_status()
        tab = ChatPage(context, server.url + "/")
        tab.page.locator("#rag-kb input").click()
        tab.page.get_by_role("option", name="甲").click()
        tab.page.wait_for_function("document.querySelector('#rag-kb input')?.value === '甲'", timeout=15_000)
        # made over the API, listed before 甲: where 甲 stood, 乙 stands now
        httpx.post(server.url + "/v1/knowledge_bases", json={"name": "丙"}).raise_for_status()
        time.sleep(3)
        tab.page.locator("#rag-kb input").click()
        tab.page.get_by_role("option", name="丙").wait_for(timeout=15_000)
        checked = tab.page.locator("ul[role=listbox] li[aria-selected=true]")
        assert checked.count() == 1 and checked.inner_text().strip().endswith("甲")


def test_rag_ui_over_knowledge_bases_keeps_its_conversation_across_a_reload(context, tmp_path):
    from server_harness import SEEDS, fake_models, test_config

    from rag.knowledge import DEFAULT, KnowledgeBases
    from rag.ui.app import serve

    with fake_models():
        bases = KnowledgeBases(test_config(tmp_path))
        bases.create(DEFAULT).index([SEEDS])
        demo = serve(bases, port=free_port(), block=False, start=DEFAULT)
        try:
            tab = ChatPage(context, demo.local_url)
            tab.ask("藤县的贫困发生率下降到了多少?")
            assert "0.59%" in tab.wait_answer(1)
            tab.page.reload()
            tab.page.wait_for_function(f"document.querySelectorAll('{FINAL}').length === 1", timeout=30_000)
            assert "0.59%" in tab.page.locator(FINAL).first.inner_text()
            assert (tmp_path / "indexes" / "rag.db").is_file()
        finally:
            demo.close()


def test_a_watched_knowledge_base_shows_its_last_sync_on_rag_serves_page(context, tmp_path):
    from server_harness import fake_models, live_server

    folder = tmp_path / "共享"
    folder.mkdir()
    (folder / "通知.txt").write_text("白马村光伏电站今年发电收益二十三万元。\n", encoding="utf-8")
    with fake_models(), live_server(tmp_path, page=True, watch=f"通知={folder}") as server:
        for _ in range(100):  # the first sync runs as the server starts
            if httpx.get(server.url + "/v1/knowledge_bases").json()["data"][-1].get("last_sync"):
                break
            time.sleep(0.2)
        tab = ChatPage(context, server.url + "/")
        tab.page.locator("#rag-kb input").click()
        tab.page.get_by_role("option", name="通知").click()
        tab.page.wait_for_function("document.querySelector('#rag-collection').innerText.includes('自动同步')",
                                   timeout=15_000)
        assert str(folder) in tab.page.locator("#rag-collection .rag-coll-sync").inner_text()
