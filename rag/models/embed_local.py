"""The local embedder: a sentence-transformers model in this process (multilingual-e5-small by
default; any sentence-transformers folder or HF id works). Constructing it is cheap; the model
loads on the first encode."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from rag.config import Config
from rag.errors import ModelError
from rag.models.embedding import E5_PROMPTS, Progress, embedder_name
from rag.models.precision import apply as apply_precision
from rag.models.precision import choose

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# One short question is too small to split across threads: measured here, 1 thread encodes it in
# ~17 ms, 2 threads take 40-600 ms when the other core is busy.
QUERY_THREADS = 1


@functools.lru_cache(maxsize=8)
def _hash_weights(folder: str, stamp: tuple) -> str:
    digest = hashlib.sha256()
    for name in WEIGHT_FILES:
        file = Path(folder) / name
        if file.is_file():
            with file.open("rb") as fh:
                while block := fh.read(1 << 22):
                    digest.update(block)
    return digest.hexdigest()


def weights_fingerprint(folder: Path) -> str:
    """sha256 over the weight files of a local model folder (memoised per size and mtime)."""
    files = [folder / n for n in WEIGHT_FILES if (folder / n).is_file()]
    if not files:
        raise ModelError(
            f"{folder} holds no {' or '.join(WEIGHT_FILES)}: point embed_model at a sentence-transformers folder"
        )
    stamp = tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    return _hash_weights(str(folder), stamp)


class SentenceTransformerEmbedder:
    """multilingual-e5-small by default; any sentence-transformers folder or HF id works."""

    def __init__(self, model: str, config: Config, precision: str | None = None):
        self.model_setting = model
        self.name = embedder_name(model)
        self.config = config
        self.route = choose(precision or config.embed_precision)
        self.precision = self.route.precision
        self._model = None
        self._lock = threading.Lock()

    @functools.cached_property
    def location(self) -> str:
        from rag.models.registry import resolve_model

        return resolve_model(self.model_setting, self.config)

    @functools.cached_property
    def fingerprint(self) -> str:
        from rag.models.registry import REGISTRY

        spec = REGISTRY.get(self.model_setting)
        if spec and "model.safetensors" in spec.sha256:
            return spec.sha256["model.safetensors"]  # `rag setup` verified the file against it
        local = Path(self.location)
        return weights_fingerprint(local) if local.is_dir() else self.location

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self):
        import torch
        from sentence_transformers import SentenceTransformer

        if self.config.n_threads > 0:
            torch.set_num_threads(self.config.n_threads)
        try:
            with _quiet_loading():
                model = SentenceTransformer(self.location, device="cpu", local_files_only=not self.config.allow_network)
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"cannot load embedding model {self.model_setting} ({exc.__class__.__name__}): "
                "run `rag setup`, or set embed_model to a sentence-transformers folder"
            ) from None
        self._prompts = self._pick_prompts(model)
        return apply_precision(model, self.precision)

    def _pick_prompts(self, model) -> dict[str, str]:
        prompts = {key: model.prompts.get(key) or "" for key in ("query", "document")}
        prompts["document"] = prompts["document"] or model.prompts.get("passage") or ""
        if not any(prompts.values()) and "e5" in self.name.lower():
            return dict(E5_PROMPTS)
        return prompts

    def encode_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Longest first in batches of similar length (less padding), returned in input order."""
        model, texts = self.model, list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        size = max(1, self.config.embed_batch_size)
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            out[batch] = _unit(
                model.encode_document(
                    [texts[i] for i in batch],
                    prompt=self._prompts["document"],
                    batch_size=size,
                    show_progress_bar=False,
                    convert_to_tensor=True,
                )
            )
            if progress:
                progress(min(start + size, len(order)), len(order))
        _give_back_memory()
        return out

    def encode_query(self, text: str) -> np.ndarray:
        model = self.model  # loads the model and picks its prompts
        with _torch_threads(QUERY_THREADS):
            vector = model.encode_query(
                [text], prompt=self._prompts["query"], show_progress_bar=False, convert_to_tensor=True
            )
        return _unit(vector)[0]


def _give_back_memory() -> None:
    """Return the heap glibc keeps after a window of texts: every batch's activations have
    another shape, so the freed blocks fragment, and indexing DRCD dev grew from 1.27 to 1.95 GB
    though it held nothing more (1.73 GB at the peak with this)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.lru_cache(maxsize=1)
def _glibc():
    """glibc, opened once; None where the C library is another (macOS, musl)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def _unit(vectors) -> np.ndarray:
    """float32 unit vectors from the model's output tensor: normalised after the cast, since a
    bf16 norm is off by up to 0.4%, enough to reorder close scores."""
    out = vectors.float().numpy()
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


@contextlib.contextmanager
def _quiet_loading():
    """No "Loading weights" bar on every start: loading a local model is not news."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


@contextlib.contextmanager
def _torch_threads(n: int):
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
