"""GGUF models through llama-cpp-python (the default backend): the GGUF's own chat template
(Qwen2.5 carries ChatML), all cores unless config.n_threads says otherwise, loaded once."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from rag.errors import GenerationError, ModelError
from rag.models.llm import BaseGenerator, ChatMessage

if TYPE_CHECKING:
    from rag.config import Config


def gguf_path(name: str, config: "Config") -> Path:
    """The .gguf file for a registry name, a file path, or a folder holding exactly one .gguf."""
    from rag.models.registry import resolve_model

    path = Path(resolve_model(name, config))
    if path.is_dir():
        found = sorted(path.glob("*.gguf"))
        if len(found) != 1:
            raise ModelError(f"generator folder {path} must hold exactly one .gguf file (found {len(found)}); "
                             "set 'generator' to the file itself")
        path = found[0]
    if not path.is_file() or path.suffix != ".gguf":
        raise ModelError(f"generator '{name}' is not a .gguf file; the llama_cpp backend needs one "
                         "(or set llm_backend = \"transformers\" for a Hugging Face model)")
    return path


class LlamaCppGenerator(BaseGenerator):
    def __init__(self, name: str, config: "Config"):
        super().__init__()
        self.name = name
        self.config = config
        self.n_ctx = config.n_ctx
        self.n_threads = config.n_threads or os.cpu_count() or 1
        self._llm = None
        self._lock = threading.Lock()  # one llama context cannot serve two questions at once

    def _load(self):
        if self._llm is None:
            path = gguf_path(self.name, self.config)
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ModelError("llama-cpp-python is not installed: run `make setup` "
                                 "(or pip install llama-cpp-python==0.3.36)") from None
            try:
                self._llm = Llama(model_path=str(path), n_ctx=self.n_ctx, n_threads=self.n_threads,
                                  n_threads_batch=self.n_threads, seed=0, verbose=False)
            except (ValueError, RuntimeError) as exc:
                raise ModelError(f"{path}: llama.cpp could not load it ({exc}); run `rag setup` "
                                 "to re-verify the model files") from None
        return self._llm

    def stream(self, messages: Sequence[ChatMessage], max_tokens: int,
               stop: Sequence[str] = ()) -> Iterator[str]:
        with self._lock:
            llm = self._load()
            self.last_usage.prompt_tokens = self.last_usage.completion_tokens = 0
            try:
                chunks = llm.create_chat_completion(
                    messages=list(messages), max_tokens=max_tokens, stop=list(stop) or None,
                    temperature=self.config.temperature, stream=True)
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        self.last_usage.completion_tokens += 1
                        yield piece
            except ValueError as exc:  # llama-cpp-python reports an overfull context this way
                raise GenerationError(f"generator '{self.name}': {exc}; lower 'context_tokens' "
                                      "or raise 'n_ctx'") from None
            finally:
                self.last_usage.prompt_tokens = max(llm.n_tokens - self.last_usage.completion_tokens, 0)
