"""GGUF models through llama-cpp-python (the default backend): the GGUF's own chat template
(Qwen2.5 carries ChatML), all cores unless config.n_threads says otherwise, loaded once."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import numpy as np

from rag.errors import ConfigError, GenerationError, ModelError, Stopped
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
            raise ModelError(
                f"generator folder {path} must hold exactly one .gguf file (found {len(found)}); "
                "set 'generator' to the file itself"
            )
        path = found[0]
    if not path.is_file() or path.suffix != ".gguf":
        raise ModelError(
            f"generator '{name}' is not a .gguf file; the llama_cpp backend needs one "
            '(or set llm_backend = "transformers" for a Hugging Face model)'
        )
    return path


KV_TYPES = {"f16": 1, "q8_0": 8}  # ggml type ids


def engine_options(config: "Config") -> dict:
    """llama.cpp's options from the settings (llm_batch, llm_flash_attn, llm_kv_type, llm_lookup)."""
    if config.llm_kv_type not in KV_TYPES:
        raise ConfigError(f"llm_kv_type '{config.llm_kv_type}' is not one of: {', '.join(KV_TYPES)}")
    if config.llm_kv_type != "f16" and not config.llm_flash_attn:
        raise ConfigError(
            f"llm_kv_type '{config.llm_kv_type}' needs llm_flash_attn = true (llama.cpp quantizes "
            "the V cache only with flash attention)"
        )
    if config.llm_batch < 1 or config.llm_lookup < 0:
        raise ConfigError("llm_batch must be at least 1 and llm_lookup at least 0")
    options: dict[str, Any] = dict(
        n_batch=config.llm_batch,
        n_ubatch=config.llm_batch,
        flash_attn=config.llm_flash_attn,
        type_k=KV_TYPES[config.llm_kv_type],
        type_v=KV_TYPES[config.llm_kv_type],
    )
    if config.llm_lookup:
        from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

        # answers copy their passages, so tokens drafted from the prompt are often right. Checking
        # drafts needs every position's logits: llama-cpp-python turns logits_all on for a draft
        # model but sizes its logits buffer by the argument, so it is passed (the cost: the
        # output layer runs over the whole prompt)
        options["draft_model"] = LlamaPromptLookupDecoding(num_pred_tokens=config.llm_lookup)
        options["logits_all"] = True
    return options


class LlamaCppGenerator(BaseGenerator):
    def __init__(self, name: str, config: "Config"):
        super().__init__()
        self.name = name
        self.config = config
        self.n_ctx = config.n_ctx
        self.n_threads = config.n_threads or os.cpu_count() or 1
        self._llm = None
        self._lock = threading.Lock()  # one llama context cannot serve two questions at once
        self._asker = threading.local()  # the calling thread's should_stop (stopping())
        self._abort: Any = None  # the ctypes callback llama.cpp holds while a call may be stopped

    @contextlib.contextmanager
    def stopping(self, should_stop: Callable[[], bool]) -> Iterator[None]:
        self._asker.should_stop = should_stop
        try:
            yield
        finally:
            self._asker.should_stop = None

    @contextlib.contextmanager
    def _stoppable(self, llm) -> Iterator[None]:
        """llama.cpp asks the caller's should_stop between the steps of its work, so a stop lands
        within a fraction of a second even in the middle of a prefill; llama_decode then reports
        an abort (the steps done stay in its cache, and llama-cpp-python drops any partial one).
        Only while someone may stop: each check costs a trip into Python."""
        check = getattr(self._asker, "should_stop", None)
        if check is None:
            yield
            return
        import llama_cpp

        self._abort = llama_cpp.ggml_abort_callback(lambda _data: bool(check()))
        llama_cpp.llama_set_abort_callback(llm._ctx.ctx, self._abort, None)
        try:
            yield
        except RuntimeError:  # llama_decode returned 2: aborted
            if check():
                raise Stopped("stopped by the asker") from None
            raise
        finally:
            llama_cpp.llama_set_abort_callback(llm._ctx.ctx, llama_cpp.ggml_abort_callback(), None)
            self._abort = None

    def _load(self):
        if self._llm is None:
            path = gguf_path(self.name, self.config)
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ModelError(
                    "llama-cpp-python is not installed: run `make setup` (or pip install llama-cpp-python==0.3.36)"
                ) from None
            try:
                self._llm = Llama(
                    model_path=str(path),
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    n_threads_batch=self.n_threads,
                    seed=0,
                    verbose=False,
                    **engine_options(self.config),
                )
            except (ValueError, RuntimeError) as exc:
                raise ModelError(
                    f"{path}: llama.cpp could not load it ({exc}); run `rag setup` to re-verify the model files"
                ) from None
        return self._llm

    def stream(self, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        with self._lock:
            llm = self._load()
            self.last_usage.prompt_tokens = self.last_usage.completion_tokens = 0
            try:
                with self._stoppable(llm):
                    chunks = llm.create_chat_completion(
                        messages=list(messages),
                        max_tokens=max_tokens,
                        stop=list(stop) or None,
                        temperature=self.config.temperature,
                        stream=True,
                    )
                    for chunk in chunks:
                        piece = chunk["choices"][0]["delta"].get("content")
                        if piece:
                            self.last_usage.completion_tokens += 1
                            yield piece
            except ValueError as exc:  # llama-cpp-python reports an overfull context this way
                raise GenerationError(
                    f"generator '{self.name}': {exc}; lower 'context_tokens' or raise 'n_ctx'"
                ) from None
            finally:
                self.last_usage.prompt_tokens = max(llm.n_tokens - self.last_usage.completion_tokens, 0)

    def odds(self, messages: Sequence[ChatMessage], words: Sequence[str]) -> dict[str, float]:
        """How likely the reply begins with each of `words` (their first tokens' probabilities,
        renormalised over `words`): a verdict with its confidence, which a generated word hides.
        The prompt's common prefix with the last call stays in llama.cpp's cache, so a question
        asked about the passages just read costs only its own tokens of prefill."""
        with self._lock:
            llm = self._load()
            tokens = llm.tokenize(self._chat_text(llm, messages).encode("utf-8"), add_bos=False, special=True)
            if len(tokens) >= llm.n_ctx():
                raise GenerationError(
                    f"generator '{self.name}': a prompt of {len(tokens)} tokens does not fit "
                    f"n_ctx {llm.n_ctx()}; lower 'context_tokens' or raise 'n_ctx'"
                )
            # keep the cached prefix (at least the last token is evaluated, to get fresh logits)
            llm.n_tokens = llm.longest_token_prefix(llm._input_ids.tolist(), tokens[:-1])
            with self._stoppable(llm):
                llm.eval(tokens[llm.n_tokens :])  # eval drops the cache past n_tokens first
            llm._requires_eval = True  # the next answer must not take these logits for its own
            logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).astype(np.float64)
            firsts = [llm.tokenize(w.encode("utf-8"), add_bos=False, special=False)[0] for w in words]
            chosen = logits[firsts] - logits[firsts].max()
            weights = np.exp(chosen)
            return {w: float(p) for w, p in zip(words, weights / weights.sum(), strict=True)}

    def _chat_text(self, llm, messages: Sequence[ChatMessage]) -> str:
        """The messages in the GGUF's own chat template, up to the assistant's first token."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"generator '{self.name}' carries no chat template; the judge needs one")
        eos = llm._model.token_get_text(llm.token_eos())
        bos = llm._model.token_get_text(llm.token_bos()) if llm.token_bos() >= 0 else ""
        # llama_cpp types messages as a union of one TypedDict per role (role: Literal[...]), which
        # no message with `role: str` matches; the formatter only renders them through the template
        formatter = Jinja2ChatFormatter(template, eos_token=eos, bos_token=bos)
        return formatter(messages=list(messages)).prompt  # type: ignore[arg-type]
