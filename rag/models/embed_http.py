"""An embedding model on a server: POST {embed_base_url}/embeddings, the OpenAI embeddings API
that text-embeddings-inference, vLLM, Ollama and llama.cpp's server speak. The e5 prefixes
("query: " / "passage: ") are added here, since such servers embed the text as given.

Its vectors are as good as the server's model: an index built through the server records the
served model's name (`api:<model>` as fingerprint), and an index built in process must be
rebuilt to be searched through a server, since nothing proves the weights are the same."""

from __future__ import annotations

import functools
from typing import Sequence

import numpy as np

from rag.config import Config
from rag.errors import ModelError
from rag.models.embedding import E5_PROMPTS, Progress, embedder_name

BATCH = 32  # texts per request: small enough for any server's limit, large enough to batch on a GPU
TIMEOUT_S = 120.0


class OpenAIEmbedder:
    precision = "server"  # the server decides what it computes in

    def __init__(self, config: Config):
        self.config = config
        self.name = embedder_name(config.embed_model)
        self.model = config.embed_api_model or config.embed_model
        self.fingerprint = f"api:{self.model}"
        self.url = config.embed_base_url.rstrip("/") + "/embeddings"
        e5 = "e5" in f"{self.name} {self.model}".lower()
        self.prompts = dict(E5_PROMPTS) if e5 else {"query": "", "document": ""}

    @functools.cached_property
    def dim(self) -> int:
        return int(self._embed(["passage: dimension probe"]).shape[1])

    def encode_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        texts = [self.prompts["document"] + t for t in texts]
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        parts = []
        for start in range(0, len(texts), BATCH):
            parts.append(self._embed(texts[start : start + BATCH]))
            if progress:
                progress(min(start + BATCH, len(texts)), len(texts))
        return np.concatenate(parts)

    def encode_query(self, text: str) -> np.ndarray:
        return self._embed([self.prompts["query"] + text])[0]

    def _embed(self, texts: list[str]) -> np.ndarray:
        import httpx

        headers = {"Authorization": f"Bearer {self.config.embed_api_key}"} if self.config.embed_api_key else {}
        try:
            response = httpx.post(
                self.url, json={"model": self.model, "input": texts}, headers=headers, timeout=TIMEOUT_S
            )
        except httpx.HTTPError as exc:
            raise ModelError(
                f"cannot reach the embeddings server {self.url} ({exc.__class__.__name__}): check "
                "'embed_base_url' and that the server is running"
            ) from None
        if response.status_code >= 400:
            detail = " ".join(response.text.split())[:200]
            raise ModelError(
                f"{self.url} answered HTTP {response.status_code}: {detail}; check 'embed_api_model' "
                "and 'embed_api_key'"
            )
        return _unit(_vectors(response, len(texts), self.url))


def _vectors(response, count: int, url: str) -> np.ndarray:
    try:
        data = sorted(response.json()["data"], key=lambda d: d["index"])
        vectors = np.array([d["embedding"] for d in data], np.float32)
    except (ValueError, KeyError, TypeError):
        raise ModelError(
            f"{url} did not answer with OpenAI embeddings (data[].embedding): check 'embed_base_url'"
        ) from None
    if vectors.ndim != 2 or len(vectors) != count:
        raise ModelError(f"{url} returned {len(vectors)} embeddings for {count} texts: check 'embed_base_url'")
    return vectors


def _unit(vectors: np.ndarray) -> np.ndarray:
    """Unit vectors whatever the server did: scores stay cosines."""
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
