"""An OpenAI-compatible chat server the user already runs (llama.cpp server, vLLM, Ollama, ...):
POST {openai_base_url}/chat/completions with `stream: true`, read the server-sent events."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Iterator, Sequence

from rag.errors import GenerationError
from rag.models.llm import BaseGenerator, ChatMessage, StopTrimmer

if TYPE_CHECKING:
    from rag.config import Config

TIMEOUT_S = 300.0  # a CPU server may take minutes on a long prompt


def sse_data(lines: Iterator[str]) -> Iterator[dict]:
    """The JSON payloads of an event stream, until `data: [DONE]`."""
    for line in lines:
        if not line.startswith("data:"):
            continue  # blank separators, comments (": ping"), event names
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            yield json.loads(data)
        except json.JSONDecodeError:
            raise GenerationError(f"the server sent an event that is not JSON: {data[:80]!r}") from None


class OpenAIGenerator(BaseGenerator):
    def __init__(self, name: str, config: "Config"):
        super().__init__()
        self.name = name
        self.config = config
        self.n_ctx = config.n_ctx
        self.url = config.openai_base_url.rstrip("/") + "/chat/completions"

    def _request(self, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str]) -> dict:
        body = {
            "model": self.name,
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": self.config.temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if stop:
            body["stop"] = list(stop)[:4]  # the OpenAI API takes at most four
        return body

    def _headers(self) -> dict[str, str]:
        key = self.config.openai_api_key
        return {"Authorization": f"Bearer {key}"} if key else {}

    def stream(self, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        import httpx

        self.last_usage.prompt_tokens = self.last_usage.completion_tokens = 0
        trimmer = StopTrimmer(stop)  # servers differ in how exactly they honour `stop`
        try:
            with httpx.stream(
                "POST",
                self.url,
                json=self._request(messages, max_tokens, stop),
                headers=self._headers(),
                timeout=TIMEOUT_S,
            ) as response:
                self._check(response)
                for event in sse_data(response.iter_lines()):
                    if out := trimmer.feed(self._piece(event)):
                        yield out
        except httpx.HTTPError as exc:
            raise GenerationError(
                f"cannot reach {self.url} ({exc}); check 'openai_base_url' and that the server is running"
            ) from None
        if tail := trimmer.flush():
            yield tail

    def _check(self, response) -> None:
        if response.status_code >= 400:
            detail = response.read().decode("utf-8", "replace").strip().replace("\n", " ")[:200]
            raise GenerationError(
                f"{self.url} answered HTTP {response.status_code}: {detail}; check 'openai_model' and 'openai_api_key'"
            )

    def _piece(self, event: dict) -> str:
        if usage := event.get("usage"):
            self.last_usage.prompt_tokens = int(usage.get("prompt_tokens") or 0)
            self.last_usage.completion_tokens = int(usage.get("completion_tokens") or 0)
        if "error" in event:
            raise GenerationError(f"{self.url} reported an error: {event['error']}")
        choices = event.get("choices") or []
        piece = (choices[0].get("delta") or {}).get("content") if choices else None
        if piece and not event.get("usage"):
            self.last_usage.completion_tokens += 1
        return piece or ""
