"""Two `rag serve` replicas sharing one real PostgreSQL database (`database_url`), each with its
own knowledge-base folder, as behind a load balancer (docs/deployment.md, "Many replicas"): a
user, a key, a right or a conversation made through one is at once the same through the other,
and both write one audit log. Live on uvicorn, driven by the real `openai` client and httpx; the
hash embedder and the prompt-reading fake model of tests/server_harness.py stand in for the models."""

from __future__ import annotations

import httpx
import openai
import pytest
from server_harness import fake_models, live_server

from rag.accounts import Accounts
from rag.config import Config

ADMIN_KEY = "replicas-admin-key"
QUESTION = "藤县的贫困发生率下降到了多少？"


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, new_postgres_database):
    """Replicas A and B on one new database, and 读者 who may read `default` (the seeds)."""
    url = new_postgres_database()
    root = tmp_path_factory.mktemp("replicas")
    with fake_models(), live_server(root / "a", api_key=ADMIN_KEY, database_url=url) as a:
        with live_server(root / "b", api_key=ADMIN_KEY, database_url=url) as b:
            accounts = Accounts.of(Config(knowledge_bases_dir=str(root / "a" / "indexes"), database_url=url))
            accounts.add_user("读者", "读者的密码")
            accounts.grant("读者", "default", "read")
            yield a, b, accounts, accounts.new_key("读者")


def http(running, key: str) -> httpx.Client:
    return httpx.Client(base_url=running.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def test_a_key_made_once_is_known_to_every_replica(replicas):
    a, b, _accounts, key = replicas
    for running in (a, b):
        reply = openai.OpenAI(base_url=running.url + "/v1", api_key=key, max_retries=0).chat.completions.create(
            model="default", messages=[{"role": "user", "content": QUESTION}]
        )
        assert "0.59%" in reply.choices[0].message.content
        assert http(running, "rag-00000000-wrong").get("/v1/models").status_code == 401


def test_a_conversation_begun_on_one_replica_is_continued_and_listed_on_the_other(replicas):
    a, b, _accounts, key = replicas
    with http(a, key) as on_a, http(b, key) as on_b:
        kept = on_a.post("/v1/conversations", json={"knowledge_base": "default"}).json()
        for client, question in ((on_a, QUESTION), (on_b, "那安岳县\x00呢？")):  # a NUL PostgreSQL cannot store
            reply = client.post("/v1/chat/completions", json={"model": "default", "conversation_id": kept["id"],
                                                              "messages": [{"role": "user", "content": question}]})
            assert reply.status_code == 200, reply.text
        found = on_a.get(f"/v1/conversations/{kept['id']}").json()
        assert [m["question"] for m in found["messages"]] == [QUESTION, "那安岳县呢？"]
        assert [c["id"] for c in on_b.get("/v1/conversations").json()["data"]] == [kept["id"]]
        assert on_b.delete(f"/v1/conversations/{kept['id']}").status_code == 200
        assert on_a.get(f"/v1/conversations/{kept['id']}").status_code == 404


def test_a_user_disabled_through_one_replica_is_refused_by_both_at_once(replicas):
    a, b, accounts, _key = replicas
    accounts.add_user("临时工")
    accounts.grant("临时工", "default", "read")
    key = accounts.new_key("临时工")
    assert http(b, key).get("/v1/models").status_code == 200  # remembered by B, verified once
    accounts.set_disabled("临时工")
    assert [http(r, key).get("/v1/models").status_code for r in (a, b)] == [401, 401]


def test_both_replicas_write_one_audit_log(replicas):
    a, b, _accounts, _key = replicas
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    for running, kb in ((a, "甲"), (b, "乙")):
        assert httpx.post(running.url + "/v1/knowledge_bases", json={"name": kb}, headers=admin).status_code == 201
    for running in (a, b):
        seen = {(e["action"], e["target"]) for e in httpx.get(running.url + "/v1/audit", headers=admin).json()["data"]}
        assert {("kb.create", "甲"), ("kb.create", "乙"), ("grant", "default")} <= seen


def test_a_replica_whose_database_is_down_answers_503_and_recovers_when_it_is_back(tmp_path):
    import pgserver

    server = pgserver.get_server(tmp_path / "pg", cleanup_mode="stop")
    server.psql("CREATE DATABASE rag;")
    url = f"postgresql://postgres@/rag?host={server.get_uri().split('host=', 1)[1]}"
    with fake_models(), live_server(tmp_path / "r", api_key=ADMIN_KEY, page=True, database_url=url) as running:
        accounts = Accounts.of(Config(knowledge_bases_dir=str(tmp_path / "r" / "indexes"), database_url=url))
        accounts.add_user("读者")
        accounts.grant("读者", "default", "read")
        key = accounts.new_key("读者")
        assert http(running, key).get("/v1/models").status_code == 200
        server.cleanup()  # the database goes away
        for reply in (http(running, key).get("/v1/models"), httpx.get(running.url + "/healthz")):
            assert reply.status_code == 503 and reply.headers["retry-after"] == "5"
            assert reply.json()["error"]["code"] == "database_unavailable"
        assert http(running, ADMIN_KEY).get("/v1/models").status_code == 200  # the server's own key needs no database
        for cookie in ("", "a-session"):  # the page sends the logged-out to /login, asks the database for the rest
            page = httpx.get(running.url + "/", cookies={"rag_session": cookie} if cookie else None)
            assert page.status_code == (303 if not cookie else 503)
        page = httpx.post(running.url + "/login", data={"username": "读者", "password": "x"})
        assert page.status_code == 503 and "账号库暂时无法连接" in page.text  # the login page says so, in Chinese
        back = pgserver.get_server(tmp_path / "pg", cleanup_mode="stop")  # and comes back
        try:
            assert http(running, key).get("/v1/models").status_code == 200
            assert httpx.get(running.url + "/healthz").status_code == 200
        finally:
            back.cleanup()
