"""The caller's own things: who they are (`GET /v1/me`), their kept conversations
(`GET/POST /v1/conversations`, `GET/PATCH/DELETE /v1/conversations/{id}`, `.../markdown`), and
for admins the audit log (`GET /v1/audit`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from rag.accounts import NotAllowed, Visible
from rag.accounts.conversations import public_turn


class NewConversation(BaseModel):
    knowledge_base: str = Field(description="the knowledge base it asks, as GET /v1/models lists them")
    title: str = ""


class Rename(BaseModel):
    title: str = Field(min_length=1, max_length=200)


def router(state) -> APIRouter:
    from rag.server.kb_api import viewer

    api = APIRouter()
    seen = Depends(viewer(state))

    def owner(request: Request) -> str:
        return request.state.caller.owner()

    @api.get("/me", summary="Who the key is, and what they may do with each knowledge base")
    def me(bases: Visible = seen):
        return {
            "object": "user",
            "name": bases.caller.name,
            "admin": bases.caller.admin,
            "knowledge_bases": {name: bases.right(name) for name in bases.names()},
        }

    @api.get("/conversations", summary="The caller's kept conversations, the latest first")
    def conversations(request: Request):
        return {"object": "list", "data": state.conversations.list(owner(request))}

    @api.post("/conversations", status_code=201, summary="Start a kept conversation over a knowledge base")
    def start(body: NewConversation, request: Request, bases: Visible = seen):
        bases.get(body.knowledge_base)
        return state.conversations.start(owner(request), body.knowledge_base, body.title)

    @api.get("/conversations/{conversation_id}", summary="One conversation: its questions, answers and citations")
    def conversation(conversation_id: str, request: Request):
        found = state.conversations.get(owner(request), conversation_id)
        return {**found, "messages": [public_turn(turn) for turn in found["messages"]]}

    @api.get(
        "/conversations/{conversation_id}/markdown",
        response_class=PlainTextResponse,
        summary="One conversation as Markdown, with the passages it cites",
    )
    def markdown(conversation_id: str, request: Request):
        text = state.conversations.markdown(owner(request), conversation_id)
        return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")

    @api.patch("/conversations/{conversation_id}", summary="Rename a conversation")
    def rename(conversation_id: str, body: Rename, request: Request):
        found = state.conversations.rename(owner(request), conversation_id, body.title)
        return {**found, "messages": [public_turn(turn) for turn in found["messages"]]}

    @api.delete("/conversations/{conversation_id}", summary="Delete a conversation")
    def delete(conversation_id: str, request: Request):
        state.conversations.delete(owner(request), conversation_id)
        return {"id": conversation_id, "object": "conversation", "deleted": True}

    @api.get("/audit", summary="Who created, deleted, uploaded or granted what, newest first (admins)")
    def audit(request: Request, limit: int = 100):
        if not request.state.caller.admin:
            raise NotAllowed("only an admin may read the audit log")
        return {"object": "list", "data": state.accounts.audit(max(1, min(limit, 1000)))}

    return api
