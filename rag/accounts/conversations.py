"""Kept conversations: each user's questions, answers and citations, in the accounts database,
to list, reopen and continue (the stored turns are the follow-up history), rename, delete and
export as Markdown. A user sees only their own; anyone else's is unknown (404), not forbidden."""

from __future__ import annotations

import builtins
import dataclasses
import uuid
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update

from rag.accounts import schema as t
from rag.accounts.store import now
from rag.errors import RagError
from rag.types import Answer, Chunk, Citation

TITLE_CHARS = 40


class UnknownConversation(RagError):
    """No conversation of the caller's has this id."""


def _title(question: str) -> str:
    text = " ".join(question.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


def stored_citations(answer: Answer) -> list[dict[str, Any]]:
    return [
        {"n": c.n, "spans": [list(s) for s in c.spans], "chunk": dataclasses.asdict(c.chunk)} for c in answer.citations
    ]


def as_answer(turn: dict[str, Any]) -> Answer:
    """A stored turn as the Answer it was (its citations' passages and highlights included)."""
    citations = tuple(
        Citation(c["n"], Chunk(**c["chunk"]), tuple(tuple(s) for s in c["spans"])) for c in turn["stored_citations"]
    )
    return Answer(question=turn["question"], text=turn["answer"], refused=turn["refused"], citations=citations)


def history_of(conversation: dict[str, Any]) -> list[tuple[str, str]]:
    """A conversation's (question, answer) pairs: the follow-ups' context."""
    return [(m["question"], m["answer"]) for m in conversation["messages"]]


def public_turn(turn: dict[str, Any]) -> dict[str, Any]:
    citations = [{**c.to_json(), "spans": [list(s) for s in c.spans]} for c in as_answer(turn).citations]
    return {
        "question": turn["question"],
        "answer": turn["answer"],
        "refused": turn["refused"],
        "citations": citations,
        "at": turn["at"],
    }


class Conversations:
    def __init__(self, engine: Engine):
        self.engine = engine

    def start(self, owner: str, knowledge_base: str, title: str = "") -> dict[str, Any]:
        conversation_id, at = uuid.uuid4().hex, now()
        with self.engine.begin() as c:
            c.execute(
                insert(t.conversations).values(
                    id=conversation_id,
                    owner=owner,
                    knowledge_base=knowledge_base,
                    title=_title(title) if title else "",
                    created=at,
                    updated=at,
                )
            )
        return self.get(owner, conversation_id)

    def list(self, owner: str) -> list[dict[str, Any]]:
        """The owner's conversations, the most recently continued first."""
        counted = (
            select(t.turns.c.conversation_id, func.count().label("n")).group_by(t.turns.c.conversation_id).subquery()
        )
        query = (
            select(t.conversations, func.coalesce(counted.c.n, 0).label("turns"))
            .outerjoin(counted, counted.c.conversation_id == t.conversations.c.id)
            .where(t.conversations.c.owner == owner)
            .order_by(t.conversations.c.updated.desc())
        )
        with self.engine.connect() as c:
            return [_summary(r) for r in c.execute(query).mappings()]

    def _row(self, c, owner: str, conversation_id: str):
        row = (
            c.execute(
                select(t.conversations).where(t.conversations.c.id == conversation_id, t.conversations.c.owner == owner)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise UnknownConversation(f"no conversation {conversation_id!r}: GET /v1/conversations lists yours")
        return row

    def get(self, owner: str, conversation_id: str) -> dict[str, Any]:
        """The conversation with its turns in order (each with `stored_citations`)."""
        with self.engine.connect() as c:
            row = self._row(c, owner, conversation_id)
            turns = (
                c.execute(select(t.turns).where(t.turns.c.conversation_id == conversation_id).order_by(t.turns.c.id))
                .mappings()
                .all()
            )
        return {
            **_summary({**row, "turns": len(turns)}),
            "messages": [
                {
                    "question": r["question"],
                    "answer": r["answer"],
                    "refused": r["refused"],
                    "stored_citations": r["citations"],
                    "at": r["at"].isoformat(timespec="seconds"),
                }
                for r in turns
            ],
        }

    def history(self, owner: str, conversation_id: str) -> builtins.list[tuple[str, str]]:  # list: the method above
        return history_of(self.get(owner, conversation_id))

    def add_turn(self, owner: str, conversation_id: str, answer: Answer) -> None:
        at = now()
        with self.engine.begin() as c:
            row = self._row(c, owner, conversation_id)
            c.execute(
                insert(t.turns).values(
                    conversation_id=conversation_id,
                    question=answer.question,
                    answer=answer.text,
                    refused=answer.refused,
                    citations=stored_citations(answer),
                    at=at,
                )
            )
            title = row["title"] or _title(answer.question)
            c.execute(
                update(t.conversations).where(t.conversations.c.id == conversation_id).values(updated=at, title=title)
            )

    def rename(self, owner: str, conversation_id: str, title: str) -> dict[str, Any]:
        if not title.strip():
            raise RagError("title: give the conversation a title")
        with self.engine.begin() as c:
            self._row(c, owner, conversation_id)
            c.execute(
                update(t.conversations)
                .where(t.conversations.c.id == conversation_id)
                .values(title=" ".join(title.split())[:200])
            )
        return self.get(owner, conversation_id)

    def delete(self, owner: str, conversation_id: str) -> None:
        with self.engine.begin() as c:
            self._row(c, owner, conversation_id)
            c.execute(delete(t.turns).where(t.turns.c.conversation_id == conversation_id))
            c.execute(delete(t.conversations).where(t.conversations.c.id == conversation_id))

    def markdown(self, owner: str, conversation_id: str) -> str:
        """The conversation as Markdown: each question, its answer, and the passages it cites."""
        conversation = self.get(owner, conversation_id)
        lines = [
            f"# {conversation['title'] or '对话'}",
            "",
            f"知识库：{conversation['knowledge_base']} · {conversation['created']}",
            "",
        ]
        for turn in conversation["messages"]:
            lines += [f"## 问：{turn['question']}", "", turn["answer"], ""]
            for citation in as_answer(turn).citations:
                chunk = citation.chunk
                where = " · ".join(p for p in (chunk.title or chunk.doc, chunk.section, chunk.where()) if p)
                quoted = "\n".join(f"> {line}" for line in chunk.text.splitlines() if line.strip())
                lines += [f"[{citation.n}] {where}", "", quoted, ""]
        return "\n".join(lines).rstrip() + "\n"


def _summary(row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "conversation",
        "title": row["title"],
        "knowledge_base": row["knowledge_base"],
        "created": row["created"].isoformat(timespec="seconds"),
        "updated": row["updated"].isoformat(timespec="seconds"),
        "turns": row["turns"],
    }
