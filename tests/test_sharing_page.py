"""The shared server's chat page in real headless Chromium: people log in with their own name
and password, each sees only the knowledge bases they may read and their own kept
conversations, a reload loses nothing, a reopened conversation takes follow-ups, a reader cannot
upload, and logging out ends the session."""

from __future__ import annotations

import httpx
import pytest
from browser_harness import FINAL, ChatPage
from server_harness import fake_models, live_server

from rag.accounts import Accounts
from rag.config import Config

pytestmark = pytest.mark.browser
ADMIN_KEY = "admin-key"
PERSONNEL = "人事档案：王芳，2019年入职，现任财务科科长，月基本工资六千八百元。\n"
PASSWORDS = {"甲": "甲的密码 ✓", "乙": "пароль乙"}


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """default (the seeds, read by both), 人事 (甲 writes it; 乙 does not know it exists)."""
    root = tmp_path_factory.mktemp("office-page")
    with fake_models(), live_server(root, api_key=ADMIN_KEY, page=True) as running:
        admin = httpx.Client(base_url=running.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=60)
        admin.post("/v1/knowledge_bases", json={"name": "人事"}).raise_for_status()
        admin.post("/v1/knowledge_bases/人事/documents?wait=true",
                   files=[("files", ("人事.txt", PERSONNEL.encode(), "text/plain"))]).raise_for_status()
        accounts = Accounts.of(Config(knowledge_bases_dir=str(root / "indexes")))
        for name, password in PASSWORDS.items():
            accounts.add_user(name, password)
            accounts.grant(name, "default", "read")
        accounts.grant("甲", "人事", "write")
        yield running


def logged_in(browser, office, name: str) -> ChatPage:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    return ChatPage(context, office.url + "/", login=(name, PASSWORDS[name]))


def selector_options(tab: ChatPage) -> list[str]:
    tab.page.locator("#rag-kb input").click()
    options = tab.page.get_by_role("option")
    options.first.wait_for(timeout=15_000)
    names = [options.nth(i).inner_text().replace("✓", "").strip() for i in range(options.count())]  # ✓: the chosen
    tab.page.keyboard.press("Escape")
    return names


def test_a_wrong_password_stays_on_the_login_form(browser, office):
    page = browser.new_context().new_page()
    page.goto(office.url + "/")
    page.wait_for_url("**/login")
    page.fill("#username", "甲")
    page.fill("#password", "不对")
    page.click("#login")
    assert "用户名或密码不对" in page.locator("#login-problem").inner_text()
    page.context.close()


def test_each_user_sees_their_knowledge_bases_and_their_own_kept_conversations(browser, office):
    first = logged_in(browser, office, "甲")
    assert "甲" in first.page.locator("#rag-user").inner_text()
    assert selector_options(first) == ["默认", "人事"]
    first.ask("藤县的贫困发生率下降到了多少?")
    assert "0.59%" in first.wait_answer(1)
    first.page.wait_for_function("document.querySelector('#rag-conversation-pick input')?.value.includes('藤县')",
                                 timeout=15_000)

    first.page.reload()  # nothing is lost
    first.page.wait_for_function(f"document.querySelectorAll('{FINAL}').length === 1", timeout=30_000)
    assert "0.59%" in first.page.locator(FINAL).first.inner_text()

    second = logged_in(browser, office, "乙")
    assert "乙" in second.page.locator("#rag-user").inner_text()
    assert selector_options(second) == ["默认"]  # 人事 is not even named
    assert second.page.locator(FINAL).count() == 0
    second.page.locator("#rag-conversation-pick input").click()
    listed = second.page.get_by_role("option")
    assert not any("藤县" in listed.nth(i).inner_text() for i in range(listed.count())), \
        [listed.nth(i).inner_text() for i in range(listed.count())]  # 甲's conversation is not among 乙's
    second.page.keyboard.press("Escape")


def test_a_reopened_conversation_takes_a_follow_up(browser, office):
    tab = logged_in(browser, office, "甲")
    tab.page.locator("#rag-new-conversation").click()
    tab.page.wait_for_function(f"document.querySelectorAll('{FINAL}').length === 0", timeout=15_000)
    tab.page.locator("#rag-conversation-pick input").click()
    tab.page.get_by_role("option").filter(has_text="藤县").first.click()
    tab.page.wait_for_function(f"document.querySelectorAll('{FINAL}').length >= 1", timeout=15_000)
    tab.ask("它累计实现多少贫困人口减贫?")
    tab.wait_answer(2)
    assert "藤县" in tab.page.locator(FINAL).nth(1).locator(".rag-query").inner_text()


def test_a_reader_cannot_upload_from_the_page(browser, office, tmp_path):
    tab = logged_in(browser, office, "乙")
    note = tmp_path / "note.txt"
    note.write_text("乙想上传的通知。\n", encoding="utf-8")
    tab.page.set_input_files("#rag-upload input[type=file]", str(note))
    tab.page.wait_for_function("document.querySelector('#rag-status').innerText.includes('只能阅读')", timeout=15_000)


def test_logging_out_ends_the_session(browser, office):
    tab = logged_in(browser, office, "乙")
    tab.page.locator("#rag-user a").click()
    tab.page.wait_for_url("**/login", timeout=15_000)
    tab.page.goto(office.url + "/")
    tab.page.wait_for_url("**/login", timeout=15_000)  # the cookie no longer lets anyone in
