"""20 clients at once against a live `rag serve` on 127.0.0.1, mixing searches, questions (streamed
and not) and uploads into the knowledge base being asked, for a bounded number of requests each.
Nothing may fail with a 5xx, every answer and every hit list must belong to its own question,
and every uploaded document must be in the index afterwards and found by its own words.

The fake generator takes a little time per answer, so questions queue for the one model while
searches and uploads go on beside them (tests/server_harness.py has the fakes)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest
from fake_generator import ScriptedGenerator
from server_harness import fake_models, live_server, read_prompt

CLIENTS = 20
REQUESTS = 6  # per client: 120 in all, 30 of them uploads
QUESTIONS = (  # seeds questions and a figure their answer must hold
    ("藤县经过四年攻坚，累计实现多少贫困人口减贫？", "12.2万"),
    ("藤县有多少个部门单位参与扶贫工作？", "135个"),
    ("藤县全县的危房改造户共有多少户？", "493户"),
    ("藤县产业扶贫的最高奖补由3000元提高到了多少？", "4500元"),
    ("安岳县今年计划完成多少公里的贫困村通村通社公路建设？", "97.05公里"),
    ("安岳县现有建档立卡贫困家庭学生多少人？", "5760人"),
    ("黔江区抽调了多少名业务骨干组建脱贫攻坚指挥部？", "11名"),
    ("黔江区在系统内甄别出多少户重度贫困户？", "1385户"),
    ("黔江区安排的扶贫小额信贷专项风险补偿金是多少？", "500万元"),
    ("河北两年多来累计投入的财政专项扶贫资金是多少？", "357.93亿元"),
    ("河北有多少名驻村干部被提拔重用？", "1187名"),
    ("2018年以来河北改造了多少户农村危房？", "70590户"),
)


def slow_reader(messages):
    time.sleep(0.05)  # a model takes its time: questions wait their turn
    return read_prompt(messages)


def upload_text(n: int) -> str:
    return (f"第{n}号测试记录：星河{n:03d}村的合作社今年种植了{n + 100}亩蓝莓，游客可以在采摘园里体验采摘。"
            f"星河{n:03d}村的村民说，蓝莓园让大家在家门口就有了活干。") * 2


class Client:
    """One user: a fixed round of requests of every kind, each result checked."""

    def __init__(self, n: int, url: str):
        self.n, self.url, self.problems, self.uploaded = n, url, [], []
        self.http = httpx.Client(base_url=url, timeout=120)
        self.ai = openai.OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0, timeout=120)

    def run(self) -> "Client":
        kinds = (self.search, self.ask, self.ask_streamed, self.upload)
        for i in range(REQUESTS):
            question, figure = QUESTIONS[(self.n * REQUESTS + i) % len(QUESTIONS)]
            try:
                kinds[(self.n + i) % len(kinds)](self.n * REQUESTS + i, question, figure)
            except Exception as exc:  # noqa: BLE001 - every failure is collected and reported
                self.problems.append(f"client {self.n} request {i}: {type(exc).__name__}: {exc}")
        return self

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.problems.append(f"client {self.n}: {what}")

    def search(self, _i, question, figure):
        reply = self.http.post("/v1/search", json={"query": question, "k": 5})
        self.check(reply.status_code == 200, f"search answered {reply.status_code}: {reply.text[:200]}")
        hits = reply.json()["hits"]
        self.check(reply.json()["question"] == question and any(figure in h["text"] for h in hits),
                   f"the hits for {question} do not hold {figure}")

    def ask(self, _i, question, figure):
        reply = self.ai.chat.completions.create(model="default", messages=[{"role": "user", "content": question}])
        content, citations = reply.choices[0].message.content, reply.model_extra["citations"]
        self.check(figure in content and any(figure in c["text"] for c in citations),
                   f"the answer to {question} is {content!r}, not about {figure}")

    def ask_streamed(self, _i, question, figure):
        chunks = list(self.ai.chat.completions.create(
            model="default", messages=[{"role": "user", "content": question}], stream=True))
        content = "".join(c.choices[0].delta.content or "" for c in chunks)
        self.check(figure in content and any(figure in c["text"] for c in chunks[-1].model_extra["citations"]),
                   f"the streamed answer to {question} is {content!r}, not about {figure}")

    def upload(self, i, _question, _figure):
        name = f"upload-{i:03d}.txt"
        reply = self.http.post("/v1/knowledge_bases/default/documents?wait=true",
                               files=[("files", (name, upload_text(i).encode(), "text/plain"))])
        self.check(reply.status_code == 200 and reply.json()["state"] == "done",
                   f"upload answered {reply.status_code}: {reply.text[:200]}")
        self.uploaded.append((i, name))


@pytest.mark.timeout(300)
def test_twenty_clients_mixing_search_ask_and_upload_get_their_own_answers_and_lose_nothing(tmp_path):
    with fake_models(ScriptedGenerator(slow_reader, piece=4)), live_server(tmp_path) as server:
        with ThreadPoolExecutor(CLIENTS) as pool:
            clients = list(pool.map(lambda n: Client(n, server.url).run(), range(CLIENTS)))
        assert [p for c in clients for p in c.problems] == []
        uploaded = [u for c in clients for u in c.uploaded]
        http = httpx.Client(base_url=server.url, timeout=60)
        docs = {d["doc"] for d in http.get("/v1/knowledge_bases/default/documents").json()["data"]}
        assert len(uploaded) == CLIENTS * REQUESTS // 4 and {name for _, name in uploaded} <= docs
        for i, name in uploaded:
            hits = http.post("/v1/search", json={"query": f"星河{i:03d}村的蓝莓", "k": 1}).json()["hits"]
            assert hits[0]["doc"] == name
