"""The embedder factory: `embed_backend` names the backend, `local` (rag.models.embed_local, in
this process) or `openai` (rag.models.embed_http, an embeddings server); the protocol they share
is rag.models.embedding."""

from __future__ import annotations

from rag.config import Config
from rag.errors import ConfigError
from rag.models.embed_http import OpenAIEmbedder
from rag.models.embed_local import SentenceTransformerEmbedder
from rag.models.embedding import Embedder

BACKENDS = ("local", "openai")


def make_embedder(config: Config, precision: str | None = None) -> Embedder:
    """The embedder on config.embed_backend: `local`, config.embed_model (registry name, local
    folder or HF id) in this process, computing in `precision` (default: config.embed_precision);
    `openai`, an embeddings server (rag.models.embed_http). Lazy either way."""
    if config.embed_backend == "openai":
        return OpenAIEmbedder(config)
    if config.embed_backend != "local":
        raise ConfigError(f"setting 'embed_backend' is '{config.embed_backend}'; valid choices: {', '.join(BACKENDS)}")
    if precision == "server":  # an index embedded by a server: check_embedder names the mismatch
        precision = None
    return SentenceTransformerEmbedder(config.embed_model, config, precision)
