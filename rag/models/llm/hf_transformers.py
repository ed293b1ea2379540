"""Hugging Face transformers: a local model folder, a hub id (with allow_network), or a GGUF file
read through `gguf_file` (dequantised to fp32: slow to load, see MODELS.md). The tokenizer's own
chat template builds the prompt; generation runs in a thread feeding a TextIteratorStreamer."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from rag.errors import GenerationError, ModelError
from rag.models.llm import BaseGenerator, ChatMessage, StopTrimmer

if TYPE_CHECKING:
    from rag.config import Config


def split_gguf(location: str) -> tuple[str, dict[str, str]]:
    """'dir/model.gguf' -> ('dir', {'gguf_file': 'model.gguf'}); anything else passes through."""
    path = Path(location)
    if path.suffix == ".gguf":
        return str(path.parent), {"gguf_file": path.name}
    return location, {}


def _cancelled(event: threading.Event):
    from transformers import StoppingCriteria, StoppingCriteriaList

    class Cancelled(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs) -> bool:
            return event.is_set()

    return StoppingCriteriaList([Cancelled()])


class TransformersGenerator(BaseGenerator):
    def __init__(self, name: str, config: "Config"):
        super().__init__()
        self.name = name
        self.config = config
        self.n_ctx = config.n_ctx
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            from rag.models.registry import resolve_model

            location, extra = split_gguf(resolve_model(self.name, self.config))
            try:
                import torch
                from transformers import AutoModelForCausalLM, AutoTokenizer

                torch.set_num_threads(self.config.n_threads or os.cpu_count() or 1)
                self._tokenizer = AutoTokenizer.from_pretrained(location, **extra)
                self._model = AutoModelForCausalLM.from_pretrained(location, dtype=torch.float32, **extra)
            except (OSError, ValueError, ImportError) as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ModelError(f"generator '{self.name}': transformers could not load it ({first})") from None
            self._model.eval()
            if self._tokenizer.chat_template is None:
                raise ModelError(f"generator '{self.name}' has no chat template; use an instruct/chat model")
        return self._model, self._tokenizer

    def _inputs(self, tokenizer, messages: Sequence[ChatMessage]):
        inputs = tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        self.last_usage.prompt_tokens = int(inputs["input_ids"].shape[-1])
        return inputs

    def stream(self, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        from transformers import TextIteratorStreamer

        with self._lock:
            model, tokenizer = self._load()
            inputs = self._inputs(tokenizer, messages)
            streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
            sampling = (
                {"do_sample": True, "temperature": self.config.temperature}
                if self.config.temperature > 0
                else {"do_sample": False}
            )
            failure: list[BaseException] = []
            cancel = threading.Event()  # set when the caller stops reading, so the thread stops too
            kwargs = dict(
                **inputs,
                max_new_tokens=max_tokens,
                streamer=streamer,
                stop_strings=list(stop) or None,
                tokenizer=tokenizer,
                stopping_criteria=_cancelled(cancel),
                **sampling,
            )
            worker = threading.Thread(target=self._run, args=(model, kwargs, streamer, failure), daemon=True)
            worker.start()
            try:
                yield from self._trimmed(streamer, stop)
            finally:
                cancel.set()
                worker.join()
            if failure:
                raise GenerationError(f"generator '{self.name}' failed: {failure[0]}")

    def _trimmed(self, streamer, stop: Sequence[str]) -> Iterator[str]:
        """The streamer's text with stop strings cut (generate() keeps the stop string itself)."""
        trimmer = StopTrimmer(stop)
        self.last_usage.completion_tokens = 0
        for piece in streamer:
            self.last_usage.completion_tokens += 1
            if out := trimmer.feed(piece):
                yield out
        if tail := trimmer.flush():
            yield tail

    @staticmethod
    def _run(model, kwargs, streamer, failure: list) -> None:
        try:
            model.generate(**kwargs)
        except Exception as exc:  # reported in the caller's thread; the streamer must still end
            failure.append(exc)
            streamer.end()
