"""One `rag serve` shared by an office (issue: users, rights, kept conversations, audit), live
on uvicorn and driven by the real `openai` client and httpx: each user sees and changes only the
knowledge bases granted to them, a disabled user's key stops at once, conversations are kept per
user and continued by id, and every change is in the audit log. The hash embedder and the
prompt-reading fake model of tests/server_harness.py stand in for the models."""

from __future__ import annotations

import threading

import httpx
import openai
import pytest
from server_harness import fake_models, live_server

from rag.accounts import Accounts
from rag.config import Config

ADMIN_KEY = "办公室-admin-key"
PERSONNEL = "人事档案：王芳，2019年入职，现任财务科科长，月基本工资六千八百元。\n"
NOTICE = "通知：白马村光伏电站今年发电收益二十三万元，收益用于村内公益岗位。\n"


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The admin key, 人事 (restricted) and 公告 (for everyone); 读者 reads 公告, 写者 writes 人事."""
    root = tmp_path_factory.mktemp("office")
    with fake_models(), live_server(root, api_key=ADMIN_KEY) as running:
        headers = {"Authorization": f"Bearer {ADMIN_KEY}".encode()}
        admin = httpx.Client(base_url=running.url, headers=headers, timeout=60)
        for name, text in (("人事", PERSONNEL), ("公告", NOTICE)):
            assert admin.post("/v1/knowledge_bases", json={"name": name}).status_code == 201
            reply = admin.post(f"/v1/knowledge_bases/{name}/documents?wait=true",
                               files=[("files", (f"{name}.txt", text.encode(), "text/plain"))])
            assert reply.status_code == 200 and reply.json()["state"] == "done"
        accounts = Accounts.of(Config(knowledge_bases_dir=str(root / "indexes")))
        keys = {}
        for name in ("读者", "写者", "停用者"):
            accounts.add_user(name, f"{name}的密码")
            keys[name] = accounts.new_key(name)
        accounts.grant("*", "公告", "read")
        accounts.grant("写者", "人事", "write")
        accounts.grant("停用者", "人事", "read")
        running.keys, running.accounts, running.admin = keys, accounts, admin
        yield running


def client(office, name: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=office.url + "/v1", api_key=office.keys[name], max_retries=0)


def http(office, name: str) -> httpx.Client:
    return httpx.Client(base_url=office.url, headers={"Authorization": f"Bearer {office.keys[name]}"}, timeout=60)


def test_a_reader_lists_only_what_they_may_read(office):
    assert [m.id for m in client(office, "读者").models.list()] == ["公告"]
    assert [m.id for m in client(office, "写者").models.list()] == ["人事", "公告"]
    assert {m["id"] for m in office.admin.get("/v1/models").json()["data"]} == {"default", "人事", "公告"}


def test_a_knowledge_base_a_user_may_not_read_does_not_exist_for_them(office):
    with pytest.raises(openai.NotFoundError) as refused:
        client(office, "读者").chat.completions.create(model="人事", messages=[{"role": "user", "content": "王芳的工资是多少？"}])
    message = refused.value.body["message"]
    assert "does not exist" in message and "人事" not in message.split("yours:")[1]  # nothing confirmed
    with http(office, "读者") as reader:
        assert reader.post("/v1/search", json={"query": "王芳", "knowledge_base": "人事"}).status_code == 404
        assert reader.get("/v1/knowledge_bases/人事/documents").status_code == 404
        assert [kb["name"] for kb in reader.get("/v1/knowledge_bases").json()["data"]] == ["公告"]


def test_a_reader_asks_with_the_openai_client_and_gets_a_cited_answer(office):
    reply = client(office, "读者").chat.completions.create(
        model="公告", messages=[{"role": "user", "content": "白马村光伏电站今年发电收益多少？"}])
    assert "二十三万元" in reply.choices[0].message.content and reply.citations[0]["doc"] == "公告.txt"


def test_a_reader_cannot_upload_or_delete_but_a_writer_can(office):
    files = [("files", ("新.txt", "新的人事通知：李明调任办公室主任。\n".encode(), "text/plain"))]
    with http(office, "读者") as reader:
        assert reader.post("/v1/knowledge_bases/公告/documents", files=files).status_code == 403
        assert reader.delete("/v1/knowledge_bases/公告/documents/公告.txt").status_code == 403
        assert reader.post("/v1/knowledge_bases/人事/documents", files=files).status_code == 404
    with http(office, "写者") as writer:
        reply = writer.post("/v1/knowledge_bases/人事/documents?wait=true", files=files)
        assert reply.status_code == 200 and reply.json()["state"] == "done"
        assert writer.delete("/v1/knowledge_bases/人事/documents/新.txt").status_code == 200
        assert writer.post("/v1/knowledge_bases/公告/documents", files=files).status_code == 403  # 公告: read only
        assert writer.post("/v1/knowledge_bases", json={"name": "私设"}).status_code == 403  # admins create
        assert writer.delete("/v1/knowledge_bases/人事").status_code == 403


def test_a_disabled_users_key_stops_working_at_once(office):
    with http(office, "停用者") as user:
        assert user.get("/v1/models").status_code == 200
        office.accounts.set_disabled("停用者")
        reply = user.get("/v1/models")
        assert reply.status_code == 401 and reply.json()["error"]["code"] == "invalid_api_key"


def test_no_key_or_a_wrong_one_is_a_401_once_there_are_users(office):
    assert httpx.get(office.url + "/v1/models").status_code == 401
    assert httpx.get(office.url + "/v1/models", headers={"Authorization": "Bearer rag-00000000-x"}).status_code == 401
    assert "knowledge_bases" not in httpx.get(office.url + "/healthz").json()  # no names to strangers


def test_a_kept_conversation_is_continued_by_id_and_seen_only_by_its_owner(office):
    with http(office, "写者") as writer:
        kept = writer.post("/v1/conversations", json={"knowledge_base": "人事"}).json()
        ai = client(office, "写者")
        first = ai.chat.completions.create(model="人事", messages=[{"role": "user", "content": "王芳现任什么职务？"}],
                                           extra_body={"conversation_id": kept["id"]})
        assert "财务科科长" in first.choices[0].message.content and first.conversation_id == kept["id"]
        streamed = ai.chat.completions.create(model="人事", stream=True, extra_body={"conversation_id": kept["id"]},
                                              messages=[{"role": "user", "content": "她的月基本工资是多少？"}])
        assert "六千八百元" in "".join(c.choices[0].delta.content or "" for c in streamed)
        found = writer.get(f"/v1/conversations/{kept['id']}").json()
        assert [m["question"] for m in found["messages"]] == ["王芳现任什么职务？", "她的月基本工资是多少？"]
        assert found["messages"][0]["citations"][0]["doc"] == "人事.txt" and found["title"] == "王芳现任什么职务？"
        markdown = writer.get(f"/v1/conversations/{kept['id']}/markdown")
        assert markdown.headers["content-type"].startswith("text/markdown") and "> 人事档案：王芳" in markdown.text
        assert writer.patch(f"/v1/conversations/{kept['id']}", json={"title": "王芳"}).json()["title"] == "王芳"
        assert [c["id"] for c in writer.get("/v1/conversations").json()["data"]] == [kept["id"]]
    with http(office, "读者") as reader:
        assert reader.get(f"/v1/conversations/{kept['id']}").status_code == 404
        assert reader.get("/v1/conversations").json()["data"] == []
        assert reader.delete(f"/v1/conversations/{kept['id']}").status_code == 404
    with http(office, "写者") as writer:
        assert writer.delete(f"/v1/conversations/{kept['id']}").status_code == 200
        assert writer.get(f"/v1/conversations/{kept['id']}").status_code == 404


def test_a_conversation_is_asked_of_its_own_knowledge_base(office):
    with http(office, "写者") as writer:
        kept = writer.post("/v1/conversations", json={"knowledge_base": "人事"}).json()
        reply = writer.post("/v1/chat/completions", json={"model": "公告", "conversation_id": kept["id"],
                                                          "messages": [{"role": "user", "content": "收益多少？"}]})
        assert reply.status_code == 400 and "人事" in reply.json()["error"]["message"]
        assert writer.post("/v1/conversations", json={"knowledge_base": "default"}).status_code == 404


def test_the_audit_log_names_who_changed_what_and_only_admins_read_it(office):
    entries = office.admin.get("/v1/audit").json()["data"]
    seen = {(e["actor"], e["action"], e["target"]) for e in entries}
    assert ("api-key", "kb.create", "人事") in seen and ("写者", "doc.upload", "人事") in seen
    assert ("写者", "doc.delete", "人事") in seen
    with http(office, "写者") as writer:
        assert writer.get("/v1/audit").status_code == 403


def test_who_am_i_says_the_name_and_the_rights(office):
    with http(office, "写者") as writer:
        assert writer.get("/v1/me").json() == {"object": "user", "name": "写者", "admin": False,
                                               "knowledge_bases": {"人事": "write", "公告": "read"}}


def test_two_users_asking_and_uploading_at_once_never_lock_the_database(office):
    failures: list[str] = []

    def ask(name: str) -> None:
        for _ in range(4):
            reply = client(office, name).chat.completions.create(
                model="公告", messages=[{"role": "user", "content": "光伏电站收益用于什么？"}])
            if "公益岗位" not in reply.choices[0].message.content:
                failures.append(f"{name}: {reply.choices[0].message.content}")

    def upload() -> None:
        with http(office, "写者") as writer:
            for i in range(4):
                files = [("files", (f"通知{i}.txt", f"第{i}号人事通知：调整考勤时间。\n".encode(), "text/plain"))]
                reply = writer.post("/v1/knowledge_bases/人事/documents?wait=true", files=files)
                if reply.status_code != 200 or reply.json()["state"] != "done":
                    failures.append(f"upload {i}: {reply.text}")

    threads = [threading.Thread(target=ask, args=("读者",)), threading.Thread(target=ask, args=("写者",)),
               threading.Thread(target=upload)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
