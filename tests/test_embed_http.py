"""The embeddings-server backend (OpenAI /v1/embeddings): prefixes, batching, order, faults; and,
under `models`, a small HTTP server in the test serving the real e5 model ranks passages exactly
as the model in process does."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import numpy as np
import pytest

from rag.config import Config
from rag.errors import ConfigError, ModelError
from rag.models.embed_http import BATCH, OpenAIEmbedder
from rag.models.embedder import make_embedder

PASSAGES = ["藤县经过四年全力攻坚，贫困发生率下降至0.59%。", "内江市农村贫困发生率下降到2.15%。",
            "安岳县2014年确定贫困村162个、建档立卡贫困人口11.8万人。", "黔江区“五子”发力推进精准扶贫。",
            "今年计划完成贫困村通村通社公路建设97.05公里。", "上海迪士尼乐园位于浦东新区。",
            "通村通社公路资金主要构成为专项资金、整合资金和农户自筹。", "藤县累计实现12.2万贫困人口减贫、85个贫困村出列。"]
QUESTIONS = ["藤县的贫困发生率下降到了多少?", "安嶽縣2014年確定了多少個貧困村?", "公路建设的资金从哪里来?"]


class Server:
    """An OpenAI-style embeddings endpoint on 127.0.0.1 answering with `embed(texts)`."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], status: int = 200):
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
                vectors = embed(body["input"])
                data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)]
                payload = json.dumps({"object": "list", "data": data[::-1], "model": body["model"]}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _lengths(texts: list[str]) -> np.ndarray:
    return np.array([[len(t), 1.0, 0.0] for t in texts], np.float32)


@pytest.fixture
def lengths_server():
    server = Server(_lengths)
    yield server
    server.close()


def _config(url: str, **more) -> Config:
    return Config(embed_backend="openai", embed_base_url=url, embed_model="multilingual-e5-small", **more)


def test_the_factory_names_the_valid_embedding_backends():
    assert isinstance(make_embedder(_config("http://127.0.0.1:1/v1")), OpenAIEmbedder)
    with pytest.raises(ConfigError, match="valid choices: local, openai"):
        make_embedder(Config(embed_backend="tei"))


def test_e5_prefixes_are_added_and_batches_come_back_in_input_order(lengths_server):
    embedder = make_embedder(_config(lengths_server.url, embed_api_model="e5-small", embed_api_key="k"))
    texts = [f"第{i}段" + "字" * i for i in range(BATCH + 3)]
    vectors = embedder.encode_documents(texts)
    assert [r["input"][0] for r in lengths_server.requests[:1]] == ["passage: 第0段"]
    assert len(lengths_server.requests) == 2 and lengths_server.requests[0]["model"] == "e5-small"
    assert lengths_server.requests[0]["auth"] == "Bearer k" and lengths_server.requests[0]["path"] == "/v1/embeddings"
    expected = _lengths(["passage: " + t for t in texts])
    assert np.allclose(vectors, expected / np.linalg.norm(expected, axis=1, keepdims=True))
    embedder.encode_query("问题")
    assert lengths_server.requests[-1]["input"] == ["query: 问题"]
    assert embedder.dim == 3 and embedder.fingerprint == "api:e5-small"


def test_an_unreachable_server_is_one_line_naming_the_url():
    embedder = make_embedder(_config("http://127.0.0.1:9/v1"))
    with pytest.raises(ModelError, match=r"cannot reach the embeddings server http://127.0.0.1:9/v1/embeddings .*embed_base_url"):
        embedder.encode_query("问题")


def test_an_error_status_names_the_settings_to_check():
    server = Server(_lengths, status=401)
    try:
        with pytest.raises(ModelError, match=r"answered HTTP 401: .*check 'embed_api_model' and 'embed_api_key'"):
            make_embedder(_config(server.url)).encode_query("问题")
    finally:
        server.close()


@pytest.fixture(scope="module")
def e5_server(models_config):
    """The real e5 model behind the endpoint, embedding each text as given (no prompts added)."""
    from sentence_transformers import SentenceTransformer

    from rag.models.registry import resolve_model

    model = SentenceTransformer(resolve_model(models_config.embed_model, models_config), device="cpu")
    server = Server(lambda texts: model.encode(texts, normalize_embeddings=True, batch_size=16))
    yield server
    server.close()


@pytest.mark.models
def test_the_real_e5_behind_a_server_ranks_passages_as_the_model_in_process(e5_server, models_config):
    remote = make_embedder(models_config.replace(embed_backend="openai", embed_base_url=e5_server.url))
    local = make_embedder(models_config, precision="fp32")
    far, near = remote.encode_documents(PASSAGES), local.encode_documents(PASSAGES)
    assert np.min(np.sum(far * near, axis=1)) > 0.999
    for question in QUESTIONS:
        assert np.argsort(-(far @ remote.encode_query(question))).tolist() == \
            np.argsort(-(near @ local.encode_query(question))).tolist()
