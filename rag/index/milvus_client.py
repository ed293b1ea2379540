"""Talking to Milvus through pymilvus: one client per server (or Milvus Lite file) per process,
collection names derived from knowledge-base folders, and Milvus' errors turned into one line
that names the URI and what to do."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import re
import threading
from pathlib import Path
from typing import Iterator

from rag.config import Config
from rag.errors import ConfigError, RagIndexError

PREFIX = "rag_"
TIMEOUT_S = 10.0
# Milvus Lite's gRPC server allows no keep-alive pings between calls and answers them with GOAWAY
# (too_many_pings) while a build spends minutes embedding; a Milvus server permits them.
LITE_GRPC = {"grpc.keepalive_permit_without_calls": 0, "grpc.keepalive_time_ms": 300_000}
_NAME = re.compile(r"[^a-z0-9_]+")
_LOCK = threading.Lock()


def is_lite(uri: str) -> bool:
    """A local path (pymilvus runs Milvus Lite for a name ending in .db) rather than a server."""
    return not re.match(r"^(https?|tcp|unix):", uri)


def collection_name(folder: Path, config: Config) -> str:
    """The collection of a knowledge base: milvus_collection when set, else rag_<folder name>,
    lower-cased to the letters, digits and underscores Milvus allows; a name that had to change
    (e.g. a Chinese one) gets a short hash of the original, so two such names never collide."""
    if config.milvus_collection:
        return config.milvus_collection
    name = Path(folder).resolve().name
    clean = _NAME.sub("_", name.lower()).strip("_") or "kb"
    if clean != name:
        clean += "_" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return (PREFIX + clean)[:255]


def connect(config: Config):
    """The client for config.milvus_uri (cached: Milvus Lite allows one engine per file and process)."""
    uri = config.milvus_uri
    if is_lite(uri):
        if not uri.endswith(".db"):
            raise ConfigError(
                f"setting 'milvus_uri' is '{uri}': give a local path ending in .db (Milvus Lite) "
                "or a server address such as http://127.0.0.1:19530"
            )
        path = Path(uri).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        uri = str(path)
    with _LOCK:
        return _client(uri, config.milvus_token, config.milvus_user, config.milvus_password)


@functools.lru_cache(maxsize=8)
def _client(uri: str, token: str, user: str, password: str):
    from pymilvus import MilvusClient

    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)  # it logs a traceback for every error we report
    options = {"grpc_options": LITE_GRPC} if is_lite(uri) else {}
    with milvus_errors(uri, "connect"):
        return MilvusClient(uri=uri, token=token, user=user, password=password, timeout=TIMEOUT_S, **options)


def loaded(client, name: str) -> str:
    """`name`, loaded for searching: a collection Milvus kept across a restart starts released."""
    from pymilvus.client.types import LoadState

    if client.get_load_state(name)["state"] != LoadState.Loaded:
        client.load_collection(name)
    return name


@contextlib.contextmanager
def milvus_errors(uri: str, doing: str) -> Iterator[None]:
    """Milvus' own exceptions as one actionable line."""
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except MilvusException as exc:
        reason = " ".join(str(getattr(exc, "message", "") or exc).split())[:200]
        if doing == "connect" or "unavailable" in reason.lower() or "connect" in reason.lower():
            raise RagIndexError(
                f"cannot reach Milvus at {uri} ({reason}): start Milvus there, or set milvus_uri "
                "(RAG_MILVUS_URI) to a local .db path to run Milvus Lite"
            ) from None
        raise RagIndexError(
            f"Milvus at {uri} failed to {doing} ({reason}): check the server's log, then retry `rag index`"
        ) from None
