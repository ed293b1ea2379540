"""Generators: the Generator protocol and the factory that picks a backend from the config.

    generator = make_generator(config)            # cheap: nothing loads yet
    for piece in generator.stream(messages, max_tokens=200, stop=["\\n\\n\\n"]):
        print(piece, end="")

Messages are OpenAI-style chat messages ({"role": "system" | "user" | "assistant", "content": str});
each backend applies the model's own chat template. Backends, one per file:
`llama_cpp` (GGUF through llama-cpp-python, the default), `transformers` (a Hugging Face folder or
id, or a GGUF read through `gguf_file`) and `openai` (an OpenAI-compatible HTTP server).
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator, Protocol, Sequence, TypedDict, runtime_checkable

from rag.errors import ConfigError

if TYPE_CHECKING:
    from rag.config import Config

BACKENDS = ("llama_cpp", "transformers", "openai")


class ChatMessage(TypedDict):
    role: str
    content: str


@dataclass
class Usage:
    """What the last call cost; filled as the stream runs (for benchmarks and the UI)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


class Generator(Protocol):
    name: str  # the model as configured (registry name, path or id)

    @property
    def n_ctx(self) -> int:
        """Context window in tokens: prompt + answer must fit."""
        ...

    @property
    def last_usage(self) -> Usage: ...

    def stream(self, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        """Yield the answer text piece by piece; loads the model on first use."""
        ...

    def generate(self, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str] = ()) -> str: ...


@runtime_checkable
class Weighing(Protocol):
    """A generator that can weigh its next token (llama.cpp's `odds`)."""

    def odds(self, messages: Sequence[ChatMessage], words: Sequence[str]) -> dict[str, float]: ...


@runtime_checkable
class Interruptible(Protocol):
    """A generator whose reading of a prompt can be cut short (llama.cpp's abort callback): a
    stop pressed during a prefill of several seconds lets the model go at once, not at its end."""

    def stopping(self, should_stop: Callable[[], bool]) -> AbstractContextManager[None]:
        """Within the block, this thread's calls end with Stopped once should_stop() is True."""
        ...


class StopTrimmer:
    """Cuts a stream at the first stop string, holding back just enough text that a stop string
    split across two pieces is never shown. Backends that cannot stop exactly use it."""

    def __init__(self, stop: Sequence[str]):
        self.stop = [s for s in stop if s]
        self.hold = max((len(s) for s in self.stop), default=1) - 1
        self.buffer = ""
        self.stopped = False

    def feed(self, piece: str) -> str:
        if self.stopped:
            return ""
        self.buffer += piece
        cut = min((i for i in (self.buffer.find(s) for s in self.stop) if i >= 0), default=-1)
        if cut >= 0:
            out, self.buffer, self.stopped = self.buffer[:cut], "", True
            return out
        keep = len(self.buffer) - self.hold
        out, self.buffer = self.buffer[: max(keep, 0)], self.buffer[max(keep, 0) :]
        return out

    def flush(self) -> str:
        out, self.buffer = ("" if self.stopped else self.buffer), ""
        return out


class BaseGenerator:
    """What every backend shares: `generate` is the joined stream; usage of the last call."""

    name: str
    n_ctx: int

    def __init__(self) -> None:
        self.last_usage = Usage()

    def stream(self, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        raise NotImplementedError

    def generate(self, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str] = ()) -> str:
        return "".join(self.stream(messages, max_tokens, stop))


_CACHE: dict[tuple, Generator] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 2  # the default and the fast model may both stay loaded (~2.5 GB)
# the settings a generator is built with: two configurations differing in any of them are two
# generators (a bench's variants must not share one engine, nor its prompt cache)
_LOADED_WITH = (
    "models_dir",
    "n_ctx",
    "n_threads",
    "temperature",
    "openai_base_url",
    "openai_api_key",
    "llm_batch",
    "llm_flash_attn",
    "llm_kv_type",
    "llm_lookup",
)


def _build(backend: str, model: str, config: "Config") -> Generator:
    if backend == "llama_cpp":
        from rag.models.llm.llama_cpp import LlamaCppGenerator

        return LlamaCppGenerator(model, config)
    if backend == "transformers":
        from rag.models.llm.hf_transformers import TransformersGenerator

        return TransformersGenerator(model, config)
    from rag.models.llm.openai_http import OpenAIGenerator

    return OpenAIGenerator(model, config)


def make_generator(config: "Config", model: str | None = None) -> Generator:
    """The generator for `model` (default: config.generator) on config.llm_backend. Generators
    are cached, so the same model asked for twice is loaded once and reused."""
    backend = config.llm_backend
    if backend not in BACKENDS:
        raise ConfigError(f"setting 'llm_backend' is '{backend}'; valid backends: {', '.join(BACKENDS)}")
    name = model or (config.openai_model if backend == "openai" and config.openai_model else config.generator)
    key = (backend, name, *(getattr(config, field) for field in _LOADED_WITH))
    with _CACHE_LOCK:
        if key not in _CACHE:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = _build(backend, name, config)
        generator = _CACHE[key]
    if config.generation_cache:
        from rag.models.llm.replay import ReplayGenerator

        return ReplayGenerator(generator, config.generation_cache)
    return generator
