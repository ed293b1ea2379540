"""The browser tests' tools: Debian's chromium through Playwright (never a downloaded browser)
and one chat-page tab that can log in, ask, and wait for answers."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FINAL = "#rag-chat .rag-answer:not(.rag-streaming)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(playwright):
    """Debian's chromium, headless; a clear failure when it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


class ChatPage:
    """One browser tab on the chat page, recording every request it makes."""

    def __init__(self, context, url: str, login: tuple[str, str] | None = None):
        self.url = url
        self.page = context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)
        if login:  # the server sends the logged-out to its login form first
            self.page.wait_for_url("**/login", timeout=30_000)
            self.page.fill("#username", login[0])
            self.page.fill("#password", login[1])
            self.page.click("#login")
        self.page.wait_for_selector("#rag-collection .rag-coll", timeout=30_000)

    def ask(self, question: str) -> None:
        box = self.page.locator("#rag-question textarea")
        box.fill(question)
        box.press("Enter")

    def wait_answer(self, n: int, timeout_s: float = 30) -> str:
        """The text of the n-th finished answer (1-based), once it is final."""
        self.page.wait_for_function(f"document.querySelectorAll('{FINAL}').length >= {n}",
                                    timeout=timeout_s * 1000)
        return self.page.locator(FINAL).nth(n - 1).inner_text()

    def wait_streaming_text(self, timeout_s: float = 60) -> str:
        """Text of an answer while it is still streaming (fails if it only ever appears whole)."""
        selector = "#rag-chat .rag-streaming .rag-text:not(.rag-pending)"
        self.page.wait_for_selector(selector, timeout=timeout_s * 1000)
        return self.page.locator(selector).last.inner_text()

    def external_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith((self.url, "data:", "blob:"))]
