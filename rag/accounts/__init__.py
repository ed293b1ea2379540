"""Who may do what on a shared server, and what they asked: users with hashed passwords and API
keys, rights per knowledge base, the audit log (rag.accounts.store) and kept conversations
(rag.accounts.conversations), in one database (SQLite beside the knowledge bases by default,
any SQLAlchemy URL through the `database_url` setting).

A server with no users is open as before (or guarded by its one --api-key); the first user added
turns rights on."""

from rag.accounts.conversations import Conversations, UnknownConversation
from rag.accounts.store import (
    ADMIN,
    EVERYONE,
    GROUP,
    OPEN,
    READ,
    WRITE,
    AccountError,
    Accounts,
    Caller,
    NotAllowed,
    open_database,
)
from rag.accounts.visible import Visible

__all__ = [
    "ADMIN",
    "EVERYONE",
    "GROUP",
    "OPEN",
    "READ",
    "WRITE",
    "AccountError",
    "Accounts",
    "Caller",
    "Conversations",
    "NotAllowed",
    "UnknownConversation",
    "Visible",
    "open_database",
]
