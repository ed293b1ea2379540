"""The OpenAI-compatible routes: `GET /v1/models` (the knowledge bases) and
`POST /v1/chat/completions` (`model` is a knowledge base; the last user message is the question,
earlier turns its history). The reply's content is the cited answer with its [n] markers, and
the reply carries `citations` (the objects of `rag ask --json`) and `refused`; streamed, the
pieces come as `chat.completion.chunk` events: the first carries `sources` (the passages being
read, as soon as they are found), the last the citations.

A request naming a `conversation_id` (POST /v1/conversations makes one) continues that kept
conversation: its stored turns are the history, the last user message the question, and the new
turn is kept in it."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, AsyncIterator

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from rag.accounts import Visible
from rag.accounts.conversations import history_of
from rag.errors import RagError
from rag.server.answers import Sources
from rag.server.errors import ApiError, error_body, status_of
from rag.types import Answer


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The text of the message; of a list of content parts, the text parts joined."""
        if isinstance(self.content, list):
            return "".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, ...: accepted, not used
    model: str = Field(description="a knowledge base, as GET /v1/models lists them")
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    conversation_id: str | None = Field(
        default=None,
        description="a kept conversation of yours to continue (POST /v1/conversations); not an OpenAI field",
    )


def question_and_history(messages: list[Message]) -> tuple[str, list[tuple[str, str]]]:
    """The last user message, and the (question, answer) pairs before it, for follow-ups."""
    turns = [m for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user" or not turns[-1].text().strip():
        raise ApiError(400, "messages: the last message must be a user message holding the question")
    history, asked = [], None
    for message in turns[:-1]:
        if message.role == "user":
            asked = message.text()
        elif asked is not None:
            history.append((asked, message.text()))
            asked = None
    return turns[-1].text().strip(), history


def _usage(answer: Answer) -> dict[str, int]:
    prompt, completion = answer.tokens.get("prompt", 0), answer.tokens.get("completion", 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _extras(answer: Answer, conversation_id: str | None = None) -> dict[str, Any]:
    made = answer.to_json()
    kept = {"conversation_id": conversation_id} if conversation_id else {}
    return {"citations": made["citations"], "refused": made["refused"], **kept}


def completion(
    model: str, answer: Answer, reply_id: str, created: int, conversation_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": reply_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.text},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": _usage(answer),
        **_extras(answer, conversation_id),
    }


def chunk(model: str, reply_id: str, created: int, delta: dict, finish: str | None = None, **extra: Any) -> str:
    body = {
        "id": reply_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        **extra,
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def sources_json(sources: Sources) -> list[dict[str, Any]]:
    """The passages being read: what a citation carries, with the best-covering sentence's span."""
    return [{**p.to_json(), "spans": [list(span) for span in p.spans]} for p in sources.passages]


async def _events(
    first: Any,
    rest: AsyncIterator,
    model: str,
    reply_id: str,
    created: int,
    keep: Any = None,
    conversation_id: str | None = None,
):
    item = first
    # the first chunk carries the passages being read, in a field OpenAI clients ignore
    early: dict[str, Any] = {"sources": sources_json(item)} if isinstance(item, Sources) else {}
    yield chunk(model, reply_id, created, {"role": "assistant", "content": ""}, **early)
    try:
        if early:
            item = await anext(rest)
        while isinstance(item, str):
            yield chunk(model, reply_id, created, {"content": item})
            item = await anext(rest)
        if keep:
            keep(item)
        yield chunk(model, reply_id, created, {}, "stop", usage=_usage(item), **_extras(item, conversation_id))
    except RagError as exc:  # after the first piece the status is sent: the error is an event
        _status, kind, code = status_of(exc)
        yield f"data: {json.dumps(error_body(str(exc), kind, code), ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


def _kept_history(conversations, owner: str, conversation_id: str, model: str) -> list[tuple[str, str]]:
    """The stored turns of the caller's conversation, which must be over the same knowledge base."""
    conversation = conversations.get(owner, conversation_id)
    if conversation["knowledge_base"] != model:
        raise ApiError(
            400,
            f"conversation {conversation_id!r} is over knowledge base "
            f"{conversation['knowledge_base']!r}, not {model!r}: ask it with that model",
        )
    return history_of(conversation)


def _model(name: str, created: int) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": created, "owned_by": "rag"}


def router(state) -> APIRouter:
    from rag.server.kb_api import viewer

    api = APIRouter()
    seen = Depends(viewer(state))

    @api.get("/models", summary="The knowledge bases the caller may read, each as a model id")
    def models(bases: Visible = seen):
        return {"object": "list", "data": [_model(name, created) for name, created in state.models(bases)]}

    @api.get("/models/{name}", summary="One knowledge base as a model")
    def model(name: str, bases: Visible = seen):
        bases.get(name)  # 404 when there is none, or the caller may not read it
        return _model(name, dict(state.models(bases))[name])

    @api.post("/chat/completions", summary="A cited answer from a knowledge base (OpenAI chat format)")
    async def chat(body: ChatRequest, bases: Visible = seen):
        question, history = question_and_history(body.messages)
        rag = bases.get(body.model)
        owner, kept = bases.caller.owner(), body.conversation_id
        if kept:
            history = _kept_history(state.conversations, owner, kept, body.model)

        def ask(on_token, should_stop=None, on_sources=None):
            return state.ask(rag, question, history, on_token, should_stop, on_sources)

        def keep(answer: Answer) -> None:
            if kept:
                state.conversations.add_turn(owner, kept, answer)

        reply_id, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        if not body.stream:
            answer = await state.queue.answer(ask)
            keep(answer)
            return completion(body.model, answer, reply_id, created, kept)
        pieces = state.queue.stream(ask)
        first = await anext(pieces)  # an error before the first piece is still a plain 4xx
        return StreamingResponse(
            _events(first, pieces, body.model, reply_id, created, keep, kept),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache"},
        )

    return api
