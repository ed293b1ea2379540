"""The knowledge bases as one caller may see them: what they may not read does not exist for
them (a 404 that confirms nothing), what they may only read they cannot change (NotAllowed).
The HTTP API and the chat page both ask through this one view, and it writes the audit log."""

from __future__ import annotations

from typing import Any

from rag.accounts.store import ADMIN, READ, WRITE, Accounts, Caller, NotAllowed
from rag.knowledge import KnowledgeBases, UnknownKnowledgeBase, check_name


class Visible:
    """`names`, `get`, `create`, `delete` of rag.knowledge.KnowledgeBases, held to the caller's rights."""

    def __init__(self, bases: KnowledgeBases, accounts: Accounts, caller: Caller):
        self.bases, self.accounts, self.caller = bases, accounts, caller
        self.root = bases.root

    def names(self) -> list[str]:
        return self.accounts.readable(self.caller, self.bases.names())

    def right(self, name: str) -> str:
        """admin, write, read or "" (the knowledge base need not exist: get() says so)."""
        return self.accounts.right(self.caller, name)

    def _unknown(self, name: str) -> UnknownKnowledgeBase:
        return UnknownKnowledgeBase(
            f"knowledge base {name!r} does not exist: create it first, or ask an admin "
            f"for the right to read it (yours: {', '.join(self.names()) or 'none'})"
        )

    def get(self, name: str, need: str = READ) -> Any:
        """The pipeline of `name` when the caller may `need` (read or write) it. The rights are
        asked first, the folders after (through the cache: an index being swapped in is not gone)."""
        check_name(name)
        right = self.right(name)
        if not right:
            raise self._unknown(name)
        if need == WRITE and right == READ:
            raise NotAllowed(
                f"you may read knowledge base {name!r} but not change it: ask an admin for "
                "`rag users grant NAME KB write`",
                zh=f"你只能阅读知识库 {name}，不能上传或删除文档：请管理员授予写权限",
            )
        try:
            return self.bases.get(name)
        except UnknownKnowledgeBase:
            raise self._unknown(name) from None

    def may_write(self, name: str) -> bool:
        return self.right(name) in (WRITE, ADMIN)

    def _admin(self, doing: str) -> None:
        if not self.caller.admin:
            raise NotAllowed(
                f"only an admin may {doing}", zh=f"只有管理员可以{'新建' if 'create' in doing else '删除'}知识库"
            )

    def create(self, name: str) -> Any:
        self._admin("create knowledge bases")
        rag = self.bases.create(name)
        self.record("kb.create", name)
        return rag

    def delete(self, name: str) -> None:
        self._admin("delete knowledge bases")
        self.get(name)
        self.bases.delete(name)
        self.accounts.forget(name)
        self.record("kb.delete", name)

    def record(self, action: str, target: str, detail: str = "") -> None:
        self.accounts.record(self.caller.name, action, target, detail)
