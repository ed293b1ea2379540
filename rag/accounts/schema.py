"""The tables, and the versioned schema: `schema_version` holds the number of the last step of
STEPS applied, and opening a database applies the steps after it in order, in one transaction.
A new column or table is a new step at the end; a step is never edited once released."""

from __future__ import annotations

import contextlib
import fcntl
from typing import Callable, Iterator

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    select,
    text,
)

metadata = MetaData()


class Said(TypeDecorator):
    """Text as every database can store it: without NUL characters, which SQLite keeps and
    PostgreSQL refuses (a question may hold one). String(length), or Text without a length.
    Lengths are checked where a value is made, not cut here: a lookup by a cut name could find
    another user."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(self.impl if self.impl.length else Text())  # type: ignore[attr-defined]

    def process_bind_param(self, value, dialect):
        return value.replace("\x00", "") if isinstance(value, str) else value


schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Said(64), nullable=False, unique=True),
    Column("password_hash", Said(200), nullable=False, default=""),  # argon2; "" = no page login
    Column("admin", Boolean, nullable=False, default=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created", DateTime(timezone=True), nullable=False),
)

keys = Table(
    "api_keys",
    metadata,
    Column("id", Said(16), primary_key=True),  # the key's public part, to find its hash
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("secret_hash", Said(200), nullable=False),  # argon2 of the key's secret part
    Column("created", DateTime(timezone=True), nullable=False),
)

grants = Table(
    "grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("knowledge_base", Said(200), nullable=False, index=True),
    Column("grantee", Said(65), nullable=False),  # a user's name, @group, or EVERYONE
    Column("right", Said(8), nullable=False),  # read | write
    UniqueConstraint("knowledge_base", "grantee"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", Said(32), primary_key=True),
    Column("owner", Said(64), nullable=False, index=True),  # the user's name ("" on an open server)
    Column("knowledge_base", Said(200), nullable=False),
    Column("title", Said(200), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)

turns = Table(
    "turns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", Said(32), ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("question", Said(), nullable=False),
    Column("answer", Said(), nullable=False),
    Column("refused", Boolean, nullable=False),
    Column("citations", JSON, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", Said(64), nullable=False),
    Column("action", Said(32), nullable=False),
    Column("target", Said(400), nullable=False),
    Column("detail", Said(), nullable=False, default=""),
)


members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_name", Said(64), nullable=False, index=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("group_name", "user_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", Said(64), primary_key=True),  # SHA-256 of the cookie's random token
    Column("name", Said(64), nullable=False),
    Column("admin", Boolean, nullable=False),
    Column("key_digest", Said(64), nullable=False, default=""),  # a login with the server's --api-key: its SHA-256
    Column("expires", DateTime(timezone=True), nullable=False, index=True),
)


def _first(connection) -> None:
    for table in (users, keys, grants, conversations, turns, audit, sessions, members):
        table.create(connection, checkfirst=True)


STEPS: list[Callable] = [_first]
_LOCK = 0x72616764  # PostgreSQL's advisory lock for schema changes: "ragd"


def migrate(engine: Engine) -> int:
    """Bring the database to the last step, all steps in one transaction; the version it is at.
    Processes opening a new database at once (replicas starting together, the server and `rag
    users`) take turns: on PostgreSQL through an advisory lock, on SQLite through a lock on a
    file beside the database (pysqlite runs DDL outside the transaction, so SQLite's own locks
    do not keep two from making the tables and the version row each)."""
    with _sqlite_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        schema_version.create(connection, checkfirst=True)
        found = connection.execute(select(schema_version.c.version)).scalar()
        if found is None:
            connection.execute(schema_version.insert().values(version=0))
            found = 0
        for number, step in enumerate(STEPS[found:], start=found + 1):
            step(connection)
            connection.execute(schema_version.update().values(version=number))
    return len(STEPS)


@contextlib.contextmanager
def _sqlite_lock(engine: Engine) -> Iterator[None]:
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield
        return
    with open(f"{path}.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # released when the file is closed
        yield
