"""The users of a soak (`rag bench --soak`), a locustfile: locust loads it in a process of its own
(locust patches the standard library with gevent on import, so it never runs inside the server).

Each user mixes what an office does over the API: searches (most), listings, uploads followed to
the end of their job, and, now and then, a question answered by the model; and what a hostile
client sends (a zip bomb, a PNG declaring 40000 x 40000 pixels, a 324-character name), which
must be refused, or indexed or failed by its job, within HOSTILE_S seconds. Settings come from the
environment the soak runner sets: RAG_SOAK_KEY (the API key), RAG_SOAK_KB (the knowledge base),
RAG_SOAK_QUESTIONS (questions, one a line), RAG_SOAK_ASK (1: ask the model too)."""

from __future__ import annotations

import itertools
import os
import random
import time

from locust import HttpUser, between, task

from rag.server.hostile import LONG_NAME, glyph_bomb_pdf, huge_png, zip_bomb_docx

QUESTIONS = [q for q in os.environ.get("RAG_SOAK_QUESTIONS", "").split("\n") if q.strip()] or ["扶贫资金"]
KB = os.environ.get("RAG_SOAK_KB", "default")
ASK = os.environ.get("RAG_SOAK_ASK", "0") == "1"
JOB_WAIT_S = 120
HOSTILE_S = 10  # seconds within which a hostile upload must be refused or its job over
HOSTILE = [
    ("炸弹.docx", zip_bomb_docx(300)),
    ("huge.png", huge_png()),
    ("字形.pdf", glyph_bomb_pdf()),
    (LONG_NAME + ".txt", "光明县新建蔬菜大棚三百二十座。".encode() * 4),
]
_numbers = itertools.count()


class Office(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self):
        self.client.headers["Authorization"] = f"Bearer {os.environ.get('RAG_SOAK_KEY', '')}".encode().decode("latin-1")

    @task(10)
    def search(self):
        self.client.post(
            "/v1/search", json={"query": random.choice(QUESTIONS), "knowledge_base": KB}, name="POST /v1/search"
        )

    @task(2)
    def list_documents(self):
        self.client.get(f"/v1/knowledge_bases/{KB}/documents", name="GET documents")

    @task(1)
    def upload(self):
        n = next(_numbers)
        text = f"浸泡测试第{n}号简报：第{n}村今年新修产业路{n % 9 + 1}公里，惠及脱贫户{n % 50 + 10}户。\n" * 3
        reply = self.client.post(
            f"/v1/knowledge_bases/{KB}/documents",
            files=[("files", (f"soak-{os.getpid()}-{n}.txt", text.encode(), "text/plain"))],
            name="POST documents (upload)",
        )
        if reply.status_code != 202:
            return
        location, deadline = reply.headers["location"], time.monotonic() + JOB_WAIT_S
        while time.monotonic() < deadline:
            if self.client.get(location, name="GET job").json().get("state") in ("done", "failed"):
                break
            time.sleep(0.2)
        with self.client.get(location, name="GET job (outcome)", catch_response=True) as outcome:
            job = outcome.json()
            if job.get("state") != "done":
                outcome.failure(f"upload job ended {job.get('state')}: {job.get('error')}")

    @task(1)
    def hostile_upload(self):
        """A bomb, a huge image or an overlong name: refused, or a job that ends, within HOSTILE_S."""
        name, data = random.choice(HOSTILE)
        started = time.monotonic()
        with self.client.post(
            f"/v1/knowledge_bases/{KB}/documents?wait=true",
            files=[("files", (name, data))],
            name="POST documents (hostile)",
            catch_response=True,
            timeout=60,
        ) as reply:
            took = time.monotonic() - started
            if reply.status_code >= 500 or took > HOSTILE_S:
                reply.failure(f"{name[:20]}: {reply.status_code} after {took:.1f} s")
            elif reply.status_code < 400 and reply.json().get("state") not in ("done", "failed"):
                reply.failure(f"{name[:20]}: job {reply.json().get('state')}")
            else:
                reply.success()  # a 4xx is the right answer here

    @task(1)
    def ask(self):
        if ASK:
            self.client.post(
                "/v1/chat/completions",
                name="POST chat (model)",
                timeout=300,
                json={"model": KB, "messages": [{"role": "user", "content": random.choice(QUESTIONS)}]},
            )
