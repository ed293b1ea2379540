"""The embedder protocol (text -> L2-normalised float32 vectors) and what every backend shares:
the e5 prefixes, the progress callback, a model setting's stable name. The backends are
rag.models.embed_local (sentence-transformers in this process) and rag.models.embed_http (an
embeddings server); rag.models.embedder is the factory that picks one.

e5-style models need different prefixes for questions and passages ("query: " / "passage: "), so
the two sides have their own methods and must never be mixed."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Protocol, Sequence, runtime_checkable

import numpy as np

Progress = Callable[[int, int], None]  # (texts done, texts in total)
# e5 models expect these prefixes; folders saved by sentence-transformers usually carry them as
# prompts, bare Hugging Face copies do not.
E5_PROMPTS = {"query": "query: ", "document": "passage: "}


@runtime_checkable
class Embedder(Protocol):
    name: str  # the model as the user named it, e.g. "multilingual-e5-small"
    precision: str  # fp32 | bf16 | int8: what the model computes in (rag.models.precision)

    @property
    def dim(self) -> int: ...

    @property
    def fingerprint(self) -> str:
        """sha256 of the weights, or the Hugging Face id."""
        ...

    def encode_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...


def embedder_name(model: str) -> str:
    """A stable name for a model setting: registry names and HF ids as given, paths by folder name."""
    path = Path(model).expanduser()
    return path.name if model.startswith((".", "/", "~")) or path.exists() else model
