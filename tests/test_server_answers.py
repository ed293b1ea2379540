"""The one model answers one question at a time, in the order they came, while searches go on
beside it: the answer queue on its own, then on a live server whose fake model is held mid-answer."""

from __future__ import annotations

import threading
import time

import httpx
from fake_generator import ScriptedGenerator
from server_harness import fake_models, live_server, read_prompt

from rag.server.answers import AnswerQueue

WAIT = 30  # seconds: only a deadlock would come near it


def test_questions_are_answered_one_at_a_time_in_the_order_they_came():
    queue, order, running = AnswerQueue(), [], []

    def job(n):
        running.append(n)
        assert len(running) == 1  # nobody else is answering
        time.sleep(0.001)
        order.append(n)
        running.remove(n)
        return n

    futures = [queue.submit(lambda n=n: job(n)) for n in range(30)]
    assert [f.result(WAIT) for f in futures] == list(range(30)) and order == list(range(30))
    queue.close()


def test_searches_and_listings_are_answered_while_the_model_is_busy(tmp_path):
    busy, release = threading.Event(), threading.Event()

    def held(messages):
        busy.set()
        assert release.wait(WAIT)
        return read_prompt(messages)

    with fake_models(ScriptedGenerator(held)), live_server(tmp_path) as server:
        question = {"model": "default", "messages": [{"role": "user", "content": "藤县的贫困发生率下降到了多少?"}]}
        answered = []
        asking = threading.Thread(target=lambda: answered.append(
            httpx.post(server.url + "/v1/chat/completions", json=question, timeout=WAIT)))
        asking.start()
        try:
            assert busy.wait(WAIT)
            search = httpx.post(server.url + "/v1/search", json={"query": "黔江区扶贫资金"}, timeout=WAIT)
            listing = httpx.get(server.url + "/v1/knowledge_bases/default/documents", timeout=WAIT)
            assert search.status_code == 200 and search.json()["hits"] and len(listing.json()["data"]) == 5
            assert not answered  # the question is still being answered
        finally:
            release.set()
            asking.join(WAIT)
        assert "0.59%" in answered[0].json()["choices"][0]["message"]["content"]
