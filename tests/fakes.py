"""Shared fakes that keep unit tests fast. The real components are exercised in `models` tests."""

from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np

from rag.text.normalize import compact


class FakeEmbedder:
    """Deterministic hashed character n-grams (1- and 2-grams of the normalised text), so texts
    sharing characters are close and either script maps to the same vector. Records what it
    encoded, so tests can check that unchanged documents are not embedded again."""

    def __init__(self, dim: int = 64, name: str = "fake-hash", precision: str = "fp32"):
        self.name = name
        self.dim = dim
        self.precision = precision
        self.fingerprint = f"{name}-v1-{dim}"
        self.encoded: list[str] = []
        self.queries: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        text = compact(text)
        grams = list(text) + [text[i:i + 2] for i in range(len(text) - 1)]
        vector = np.zeros(self.dim, dtype=np.float32)
        for gram in grams:
            digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
            vector[int.from_bytes(digest[:4], "little") % self.dim] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def encode_documents(self, texts: Sequence[str], progress=None) -> np.ndarray:
        texts = list(texts)
        self.encoded.extend(texts)
        if progress:
            progress(len(texts), len(texts))
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return self._vector(text)
