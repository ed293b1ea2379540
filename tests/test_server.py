"""`rag serve` as a client sees it: a live server on 127.0.0.1 driven by the real `openai`
package (chat, streamed and not) and by httpx (search, knowledge bases, uploads, errors, keys).
Fast tests use the hash embedder and a prompt-reading fake generator (tests/server_harness.py);
tests/test_server_models.py asks the real 0.5B model (in a module of its own, so that no fake
installed by a fixture here can stand in for it)."""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest
from server_harness import fake_models, live_server

from rag.cli.main import main
from rag.knowledge import check_name

TENG = "藤县的贫困发生率下降到了多少?"
ASK_KEYS = {"question", "answer", "refused", "citations", "hits", "timings_ms"}
CITATION_KEYS = {"n", "doc", "title", "section", "chunk_id", "text"}
WHERE_KEYS = {"page", "page_end", "ocr", "date", "source"}  # DESIGN.md: present when known


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    with fake_models() as generator, live_server(root) as running:
        running.root, running.generator = root, generator
        yield running


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def client(server, key: str = "not-needed") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0)


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


# --- OpenAI-compatible ------------------------------------------------------------------------
def test_the_openai_client_gets_a_cited_answer(server):
    reply = client(server).chat.completions.create(model="default", messages=user(TENG))
    content = reply.choices[0].message.content
    citations = reply.model_extra["citations"]
    assert "0.59%" in content and "[1]" in content and reply.model_extra["refused"] is False
    assert CITATION_KEYS <= set(citations[0]) <= CITATION_KEYS | WHERE_KEYS and "0.59%" in citations[0]["text"]
    assert citations[0]["date"] == "2020-05-11"  # the seed states its date


def test_the_openai_client_streams_the_answer_and_gets_the_citations_last(server):
    chunks = list(client(server).chat.completions.create(model="default", messages=user(TENG), stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks[:-1])  # verified sentences, as they hold
    assert chunks[0].choices[0].delta.role == "assistant" and "0.59%" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert "0.59%" in chunks[-1].model_extra["citations"][0]["text"]
    assert all("citations" not in (c.model_extra or {}) for c in chunks[:-1])


def test_the_first_streamed_chunk_names_the_passages_being_read_before_any_answer_text(server):
    chunks = list(client(server).chat.completions.create(model="default", messages=user(TENG), stream=True))
    first = chunks[0]
    sources = first.model_extra["sources"]
    assert first.choices[0].delta.content == "" and sources
    assert CITATION_KEYS | {"spans"} <= set(sources[0]) and [s["n"] for s in sources] == list(range(1, len(sources) + 1))
    start, end = sources[0]["spans"][0]  # the sentence that best covers the question
    assert "贫困发生率" in sources[0]["text"][start:end]
    assert all("sources" not in (c.model_extra or {}) for c in chunks[1:])


def test_the_stream_ends_with_done(http):
    body = http.post("/v1/chat/completions", json={"model": "default", "messages": user(TENG), "stream": True})
    events = [line for line in body.text.split("\n\n") if line]
    assert body.headers["content-type"].startswith("text/event-stream")
    assert events[-1] == "data: [DONE]" and json.loads(events[0][6:])["object"] == "chat.completion.chunk"


def test_the_reply_carries_the_objects_of_rag_ask_json(server, http):
    reply = http.post("/v1/chat/completions", json={"model": "default", "messages": user(TENG)}).json()
    assert reply["object"] == "chat.completion" and reply["model"] == "default"
    assert reply["choices"][0]["message"]["role"] == "assistant" and reply["refused"] is False
    assert all(CITATION_KEYS <= set(c) <= CITATION_KEYS | WHERE_KEYS for c in reply["citations"])


def test_earlier_turns_are_the_history_of_a_follow_up(server):
    messages = [{"role": "system", "content": "ignored"}, *user(TENG),
                {"role": "assistant", "content": "藤县的贫困发生率下降至0.59%[1]。"}, *user("那内江市呢?")]
    reply = client(server).chat.completions.create(model="default", messages=messages)
    asked = server.generator.calls[-1][-1]["content"]
    assert "内江" in asked.split("问题：")[1] and "贫困发生率" in asked.split("问题：")[1]
    assert reply.model_extra["citations"]


def test_the_models_are_the_knowledge_bases(server):
    assert [m.id for m in client(server).models.list()] == ["default"]
    assert client(server).models.retrieve("default").id == "default"
    with pytest.raises(openai.NotFoundError):
        client(server).models.retrieve("nope")


def test_a_question_about_an_unknown_knowledge_base_is_a_404_the_client_raises(server):
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        client(server).chat.completions.create(model="nope", messages=user(TENG))


def test_a_conversation_that_does_not_end_with_a_question_is_a_400(http):
    reply = http.post("/v1/chat/completions", json={"model": "default",
                                                    "messages": [{"role": "assistant", "content": "你好"}]})
    assert reply.status_code == 400 and "last message must be a user message" in reply.json()["error"]["message"]


# --- search and knowledge bases ---------------------------------------------------------------
def test_search_returns_the_object_of_rag_search_json(server, http, monkeypatch, capsys):
    reply = http.post("/v1/search", json={"query": TENG, "k": 3}).json()
    monkeypatch.setenv("RAG_KNOWLEDGE_BASES_DIR", str(server.root / "indexes"))
    monkeypatch.setenv("RAG_EMBED_MODEL", "fake-hash")
    assert main(["search", TENG, "-k", "3", "--kb", "default", "--json"]) == 0
    assert reply == json.loads(capsys.readouterr().out) and len(reply["hits"]) == 3


@pytest.mark.parametrize("body, wrong", [({"query": ""}, "query"), ({"query": "x", "k": 0}, "k"),
                                         ({"query": "x", "knowledge_base": "../etc"}, "not valid")])
def test_a_bad_search_is_a_400_naming_the_field(http, body, wrong):
    reply = http.post("/v1/search", json=body)
    assert reply.status_code == 400 and wrong in reply.json()["error"]["message"]
    assert reply.json()["error"]["type"] == "invalid_request_error"


def test_a_knowledge_base_is_created_filled_searched_emptied_and_deleted(server, http):
    assert http.post("/v1/knowledge_bases", json={"name": "政策-2024"}).status_code == 201
    assert "政策-2024" in [kb["name"] for kb in http.get("/v1/knowledge_bases").json()["data"]]
    assert http.get("/v1/knowledge_bases/政策-2024/documents").json()["data"] == []
    text = "光明县2024年新建蔬菜大棚三百二十座，带动四百一十户脱贫户增收，户均增收六千五百元。" * 2
    reply = http.post("/v1/knowledge_bases/政策-2024/documents", files=[("files", ("光明县.txt", text.encode(), "text/plain"))])
    assert reply.status_code == 202 and reply.json()["object"] == "job" and reply.json()["files"] == ["光明县.txt"]
    job = wait_for(http, reply.headers["location"])
    assert job["state"] == "done" and job["knowledge_base"] == "政策-2024"
    assert job["report"]["added"] == 1 and job["report"]["documents"] == 1
    assert str(server.root) not in json.dumps(job, ensure_ascii=False)  # no server path leaks out
    docs = http.get("/v1/knowledge_bases/政策-2024/documents").json()["data"]
    assert [d["doc"] for d in docs] == ["光明县.txt"]
    hits = http.post("/v1/search", json={"query": "光明县蔬菜大棚", "knowledge_base": "政策-2024"}).json()["hits"]
    assert hits[0]["doc"] == "光明县.txt"
    assert http.delete("/v1/knowledge_bases/政策-2024/documents/光明县.txt").status_code == 200
    assert http.get("/v1/knowledge_bases/政策-2024/documents").json()["data"] == []
    assert http.delete("/v1/knowledge_bases/政策-2024").status_code == 200
    assert http.get("/v1/knowledge_bases/政策-2024/documents").status_code == 404


def wait_for(http, location: str, timeout_s: float = 30) -> dict:
    """The job at `location` once it is over."""
    deadline = time.monotonic() + timeout_s
    while (job := http.get(location).json())["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def test_an_upload_answers_at_once_with_a_job_that_reports_progress_and_its_outcome(http):
    text = "平安县2024年新修产业路十二公里，惠及三个脱贫村。" * 3
    reply = http.post("/v1/knowledge_bases/default/documents", files=[("files", ("平安县.txt", text.encode(), "text/plain"))])
    assert reply.status_code == 202 and reply.headers["location"].endswith(f"/jobs/{reply.json()['id']}")
    job = wait_for(http, reply.headers["location"])
    assert job["state"] == "done" and job["error"] is None
    progress = job["progress"]
    assert progress["files_read"] == progress["files"] >= 1 and progress["chunks_embedded"] == progress["chunks"] >= 1
    assert job["id"] in [j["id"] for j in http.get("/v1/knowledge_bases/default/jobs").json()["data"]]
    waited = http.post("/v1/knowledge_bases/default/documents?wait=true",
                       files=[("files", ("平安县.txt", (text * 2).encode(), "text/plain"))])
    assert waited.status_code == 200 and waited.json()["state"] == "done" and waited.json()["report"]["updated"] == 1
    assert "index_dir" not in job["report"]  # the server's own folders stay on the server


def test_an_upload_nothing_could_be_read_from_is_a_failed_job_saying_why(http):
    reply = http.post("/v1/knowledge_bases/default/documents",
                      files=[("files", ("blob.txt", bytes(range(256)) * 40, "text/plain"))])
    job = wait_for(http, reply.headers["location"])
    assert job["state"] == "failed" and job["error"]["code"] == "unreadable_file" and "blob.txt" in job["error"]["message"]
    assert job["warnings"] and not any("/" in line for line in job["warnings"])  # no server folder named
    assert "blob.txt" not in str(http.get("/v1/knowledge_bases/default/documents").json())
    assert http.get("/v1/knowledge_bases/default/jobs/nope").json()["error"]["code"] == "unknown_job"


def test_a_taken_name_is_a_409_and_a_bad_one_a_400(http):
    assert http.post("/v1/knowledge_bases", json={"name": "default"}).status_code == 409
    for name in ("../x", "a/b", "a.b", "", "x-uploads"):
        assert http.post("/v1/knowledge_bases", json={"name": name}).status_code == 400


def test_the_default_knowledge_base_cannot_be_deleted(http):
    assert http.delete("/v1/knowledge_bases/default").status_code == 409


def test_deleting_a_document_that_is_not_there_is_a_404(http):
    assert http.delete("/v1/knowledge_bases/default/documents/none.txt").status_code == 404


def test_an_upload_of_an_unsupported_type_is_a_415_naming_the_types(http):
    reply = http.post("/v1/knowledge_bases/default/documents", files=[("files", ("a.exe", b"MZ..", "x"))])
    assert reply.status_code == 415 and ".txt" in reply.json()["error"]["message"]


def test_an_upload_over_the_limit_is_a_413_naming_the_limit_and_nothing_is_kept(server, http):
    big = ("贫困" * 20000).encode()  # 120 kB; the test server takes 0.05 MB
    reply = http.post("/v1/knowledge_bases/default/documents",
                      files=[("files", ("small.txt", "小文件内容足够长。".encode() * 10, "text/plain")),
                             ("files", ("big.txt", big, "text/plain"))])
    assert reply.status_code == 413 and "0.05 MB" in reply.json()["error"]["message"]
    names = [d["doc"] for d in http.get("/v1/knowledge_bases/default/documents").json()["data"]]
    assert "small.txt" not in names and "big.txt" not in names


def test_a_question_to_an_empty_knowledge_base_is_a_4xx_even_when_streamed(http):
    http.post("/v1/knowledge_bases", json={"name": "empty"})
    for stream in (False, True):
        reply = http.post("/v1/chat/completions", json={"model": "empty", "messages": user(TENG), "stream": stream})
        assert reply.status_code == 409 and "rag index" in reply.json()["error"]["message"]


def test_every_error_carries_a_stable_code_a_client_can_branch_on(http):
    http.post("/v1/knowledge_bases", json={"name": "empty"})
    cases = [(http.get("/v1/knowledge_bases/none/documents"), "unknown_knowledge_base"),
             (http.post("/v1/knowledge_bases", json={"name": "default"}), "knowledge_base_exists"),
             (http.post("/v1/knowledge_bases", json={"name": "a/b"}), "invalid_setting"),
             (http.delete("/v1/knowledge_bases/default/documents/none.txt"), "unknown_document"),
             (http.post("/v1/knowledge_bases/default/documents", files=[("files", ("a.exe", b"MZ", "x"))]),
              "unsupported_file_type"),
             (http.post("/v1/chat/completions", json={"model": "empty", "messages": user(TENG)}), "no_index"),
             (http.post("/v1/chat/completions", json={"model": "default", "messages": []}), "invalid_request"),
             (http.get("/v1/nothing"), "unknown_route"), (http.post("/v1/models"), "method_not_allowed")]
    assert [reply.json()["error"]["code"] for reply, _ in cases] == [code for _, code in cases]


def test_health_and_the_openapi_page(http):
    assert http.get("/healthz").json()["status"] == "ok"
    docs = http.get("/docs")
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text and "https://" not in docs.text
    assert {"/v1/chat/completions", "/v1/search", "/v1/knowledge_bases/{name}/documents"} <= set(
        http.get("/openapi.json").json()["paths"])


def test_an_unknown_route_and_a_malformed_body_are_json_errors(http):
    assert http.get("/v1/nothing").json()["error"]["type"] == "not_found_error"
    reply = http.post("/v1/search", content=b"{not json", headers={"content-type": "application/json"})
    assert reply.status_code == 400 and "error" in reply.json()


# --- keys and addresses -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    with fake_models(), live_server(tmp_path_factory.mktemp("keyed"), api_key="K") as running:
        yield running


def test_with_a_key_every_v1_route_wants_it(keyed):
    for method, path in (("GET", "/v1/models"), ("POST", "/v1/search"), ("GET", "/v1/knowledge_bases"),
                         ("POST", "/v1/chat/completions")):
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            reply = httpx.request(method, keyed.url + path, headers=headers, json={})
            assert reply.status_code == 401 and reply.json()["error"]["code"] == "invalid_api_key"
    assert httpx.get(keyed.url + "/v1/models", headers={"Authorization": "Bearer K"}).status_code == 200
    assert httpx.get(keyed.url + "/healthz").status_code == 200


def test_the_openai_client_with_the_key_gets_its_answer_and_without_it_a_401(keyed):
    assert "0.59%" in client(keyed, "K").chat.completions.create(
        model="default", messages=user(TENG)).choices[0].message.content
    with pytest.raises(openai.AuthenticationError):
        client(keyed, "wrong").models.list()


def test_another_host_without_a_key_is_refused_at_start_in_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RAG_API_KEY", raising=False)
    assert main(["serve", "--host", "0.0.0.0"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--api-key" in err and "RAG_API_KEY" in err
    assert not (tmp_path / "indexes").exists()  # refused before touching anything


def test_the_key_may_come_from_the_environment(monkeypatch):
    from rag.cli.serve import api_key_for

    monkeypatch.setenv("RAG_API_KEY", "from-env")
    assert api_key_for("0.0.0.0", None) == "from-env" and api_key_for("127.0.0.1", "given") == "given"


def test_another_host_guarded_by_users_needs_no_key(monkeypatch):
    from rag.cli.serve import api_key_for

    monkeypatch.delenv("RAG_API_KEY", raising=False)
    assert api_key_for("0.0.0.0", None, users=2) == ""


# --- knowledge base names and --kb ------------------------------------------------------------
@pytest.mark.parametrize("name", ["default", "政策_2024", "team-a", "財政"])
def test_knowledge_base_names_of_letters_digits_dashes_and_chinese_are_taken(name):
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["..", "a/b", "a\\b", ".hidden", "a b", "", "x" * 65, "a-uploads", "a-web"])
def test_knowledge_base_names_that_could_leave_the_folder_are_refused(name):
    from rag.errors import ConfigError

    with pytest.raises(ConfigError, match="not valid"):
        check_name(name)


def test_kb_on_the_command_line_names_the_index_folder(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["search", "x", "--kb", "../up"]) == 1 and "not valid" in capsys.readouterr().err
    assert main(["search", "x", "--kb", "a", "--index", "b"]) == 1 and "not both" in capsys.readouterr().err
    assert main(["search", "x", "--kb", "团队"]) == 1
    assert "indexes/团队" in capsys.readouterr().err


# --- the chat page on the same server ---------------------------------------------------------
def test_the_chat_page_is_served_at_the_root_beside_the_api_and_takes_the_key_as_password(tmp_path):
    with fake_models(), live_server(tmp_path, api_key="K", page=True) as running:
        assert httpx.get(running.url + "/", timeout=30).headers["location"] == "/login"
        assert "Not authenticated" in httpx.get(running.url + "/config").text
        assert httpx.post(running.url + "/login", data={"username": "me", "password": "wrong"}).status_code == 401
        with httpx.Client(base_url=running.url, timeout=30) as browser:
            assert browser.post("/login", data={"username": "me", "password": "K"}).status_code == 303
            assert browser.get("/").status_code == 200 and browser.get("/config").json()["username"] == "me"
        models = httpx.get(running.url + "/v1/models", headers={"Authorization": "Bearer K"})
        assert models.json()["data"][0]["id"] == "default"


def test_search_is_timed_in_process_and_over_http_side_by_side(server):
    from rag.config import Config
    from rag.knowledge import KnowledgeBases
    from rag.server.bench import race_search

    bases = KnowledgeBases(Config(knowledge_bases_dir=str(server.root / "indexes"), embed_model="fake-hash"))
    result = race_search(bases, "default", [TENG, "黔江区在贫困村投入了多少资金?"], k=3)
    assert result["questions"] == 2 and result["in_process_ms"]["p50"] > 0 and result["http_ms"]["p50"] > 0


def test_rag_serve_indexes_the_seeds_first_and_serves_with_the_key_from_the_environment(monkeypatch, tmp_path,
                                                                                       capsys):
    served = {}
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RAG_EMBED_MODEL", "fake-hash")
    monkeypatch.setenv("RAG_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("RAG_API_KEY", "from-env")
    monkeypatch.setattr("rag.server.run.serve_forever", lambda app, host, port: served.update(app=app, host=host,
                                                                                           port=port))
    with fake_models():
        assert main(["serve", "--host", "0.0.0.0", "--port", "8123", "--no-page"]) == 0
    assert (served["host"], served["port"]) == ("0.0.0.0", 8123)
    assert served["app"].state.rag.api_key == "from-env"
    assert (tmp_path / "indexes" / "default" / "manifest.json").is_file()
    logged = capsys.readouterr().err
    assert "rag serve: no index at" in logged and "rag ui" not in logged


def test_each_verified_sentence_of_a_streamed_answer_is_a_delta_of_its_own(tmp_path):
    from fake_generator import ScriptedGenerator

    two = "藤县累计实现12.2万贫困人口减贫[1]。贫困发生率下降至0.59%[1]。"
    with fake_models(ScriptedGenerator(two, piece=2)), live_server(tmp_path) as running:
        chunks = list(client(running).chat.completions.create(model="default", messages=user(TENG), stream=True))
    deltas = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert deltas == ["藤县累计实现12.2万贫困人口减贫[1]。", "贫困发生率下降至0.59%[1]。"]


def test_a_closed_stream_stops_the_model(tmp_path):
    from fake_generator import ScriptedGenerator

    class Slow(ScriptedGenerator):
        def stream(self, messages, max_tokens, stop=()):
            for piece in super().stream(messages, max_tokens, stop):
                time.sleep(0.05)
                yield piece

    long_answer = "藤县贫困发生率下降至0.59%[1]。" * 40
    with fake_models(Slow(long_answer, piece=2)) as generator, live_server(tmp_path) as running:
        with httpx.Client(base_url=running.url, timeout=30) as http:
            with http.stream("POST", "/v1/chat/completions",
                             json={"model": "default", "messages": user(TENG), "stream": True}) as reply:
                next(reply.iter_lines())  # the first event: the answer is being written
        time.sleep(1.0)  # time for the server to notice, on a busy machine too
        stopped_at = generator.pieces_sent
        time.sleep(1.0)
        assert generator.pieces_sent == stopped_at  # the model was let go, not left writing to no one
        assert stopped_at < len(long_answer) // 4


def test_a_jobs_warnings_and_counts_are_seen_while_it_runs():
    import threading

    from rag.index import IndexReport
    from rag.server.jobs import Jobs

    going_on, finish = threading.Event(), threading.Event()

    def index(progress, warn):
        progress("read", 1, 2)
        warn("skipped a.txt: binary file, not text")
        progress("embed", 3, 10)
        going_on.set()
        finish.wait(10)
        return IndexReport(added=1, warnings=["skipped a.txt: binary file, not text"])

    jobs = Jobs(lambda exc: (str(exc), "x"))
    try:
        job, done = jobs.submit("kb", ["a.txt", "b.txt"], index)
        assert going_on.wait(10)
        seen = job.to_json()
        assert seen["state"] == "running" and seen["warnings"] == ["skipped a.txt: binary file, not text"]
        assert {k: seen["progress"][k] for k in ("files_read", "files", "chunks_embedded", "chunks")} == {
            "files_read": 1, "files": 2, "chunks_embedded": 3, "chunks": 10}
        finish.set()
        assert done.result(10).to_json()["report"]["added"] == 1
    finally:
        finish.set()
        jobs.close()
