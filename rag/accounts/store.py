"""Users, their keys and passwords, their rights per knowledge base, and the audit log.

Passwords and keys are stored only as argon2 hashes and checked in constant time (argon2-cffi);
any Unicode password works. A key reads `rag-<id>-<secret>`: the id finds the hash, the secret is
checked against it. A verified key is remembered (by its SHA-256) so that a search does not pay
argon2's 50 ms each time, but the user is looked up on every request: a key stops working the
moment its user is disabled or given a new key.

Rights: `read` (search and ask) or `write` (also upload and delete), granted to a user, to a
group of users (`@NAME`) or to EVERYONE, the strongest one holding; admins have every right and alone create and delete knowledge bases and manage users."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, create_engine, delete, event, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from rag.accounts import schema as t
from rag.config import Config
from rag.errors import ConfigError, RagError

READ, WRITE, ADMIN = "read", "write", "admin"
RIGHTS = (READ, WRITE)
EVERYONE = "*"
GROUP = "@"  # a grantee beginning so is a group
KEY_USER = "api-key"  # who the server's own --api-key is (an admin): in the audit log, owning conversations
KEY_PREFIX = "rag-"
_NAME = re.compile(r"^[^\s/\\*:]{1,64}$")
_HASHER = PasswordHasher()
DATABASE_FILE = "rag.db"


class AccountError(RagError):
    """A user, key or right that cannot be as asked (unknown user, name taken, bad right)."""


class DatabaseError(RagError):
    """The accounts database cannot be read or written (locked too long, damaged, unreachable)."""


class NotAllowed(RagError):
    """The caller may see the knowledge base but not do this to it (a reader uploading); `zh`
    says it to the chat page's users."""

    def __init__(self, message: str, zh: str = ""):
        super().__init__(message)
        self.zh = zh


@dataclass(frozen=True)
class Caller:
    """Who is asking. `name` is "" on an open server; `admin` has every right."""

    name: str
    admin: bool = False

    def owner(self) -> str:
        return self.name


OPEN = Caller("", admin=True)  # a server with no users and no key: everything, as before


def now() -> datetime:
    return datetime.now(timezone.utc)


def database_url(config: Config) -> str:
    """The `database_url` setting, or SQLite in rag.db beside the knowledge bases."""
    if config.database_url:
        return config.database_url
    return f"sqlite:///{Path(config.knowledge_bases_dir).resolve() / DATABASE_FILE}"


def _shown_url(url: str) -> str:
    """A database URL without its password."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def open_database(url: str) -> Engine:
    """An engine on `url`, its schema brought up to date. SQLite runs in WAL mode and waits up to
    10 s for a lock rather than failing, so the server and `rag users` can write at once."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    sqlite = url.startswith("sqlite")
    try:
        # a server's connections are checked before use, so that it recovers when its database comes back
        engine = create_engine(url, connect_args={"timeout": 10} if sqlite else {}, pool_pre_ping=not sqlite)
    except Exception as exc:  # a URL SQLAlchemy cannot parse, a driver not installed
        raise ConfigError(f"database_url {_shown_url(url)!r} is not usable: {exc}") from None
    if sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record) -> None:
            cursor = connection.cursor()
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000", "synchronous=NORMAL"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

    try:
        t.migrate(engine)
    except SQLAlchemyError as exc:  # unreachable, refused, damaged: `rag serve` and `rag ui` say so in one line
        raise _failed(exc, url) from None
    return engine


def _failed(exc: Exception, url: str) -> DatabaseError:
    return DatabaseError(f"the accounts database {_shown_url(url)} failed: {failure(exc)}")


def failure(exc: Exception) -> str:
    """A database error's cause in one line (the driver's, under SQLAlchemy's wrapping)."""
    cause = getattr(exc, "orig", None) or exc
    return f"{type(cause).__name__}: {' '.join(str(cause).split())[:200]}"


def check_user_name(name: str) -> str:
    if name == KEY_USER:
        raise AccountError(f"user name {name!r} is taken by the server's own --api-key: choose another")
    if not _NAME.match(name or "") or name.startswith(GROUP):
        raise AccountError(
            f"user name {name!r} is not valid: use 1-64 characters without spaces, '/', '\\', ':', '*' or a leading '@'"
        )
    return name


def check_group(group: str) -> str:
    if not _NAME.match(group or "") or group.startswith(GROUP):
        raise AccountError(
            f"group name {group!r} is not valid: use 1-64 characters without spaces, '/', '\\', "
            "':', '*' or a leading '@'"
        )
    return group


def check_right(right: str) -> str:
    if right not in RIGHTS:
        raise AccountError(f"right {right!r} is not valid: use one of {', '.join(RIGHTS)}")
    return right


def _verify(stored: str, given: str) -> bool:
    try:
        return bool(stored) and _HASHER.verify(stored, given)
    except (VerificationError, InvalidHashError):
        return False


class Accounts:
    """The users, rights and audit log of one database."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._verified: dict[str, str] = {}  # sha256 of a verified key -> its id
        self._lock = threading.Lock()

    @classmethod
    def of(cls, config: Config) -> "Accounts":
        return cls(open_database(database_url(config)))

    @staticmethod
    def failed(exc: Exception, config: Config) -> DatabaseError:
        """One line for a database error (a SQLAlchemy one), naming the database and the cause."""
        return _failed(exc, database_url(config))

    @classmethod
    def users_in(cls, config: Config) -> int:
        """How many users the settings' database has, without making one where there is none."""
        url = database_url(config)
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
            return 0
        return len(cls.of(config).users())

    # --- users ------------------------------------------------------------------------------------
    def has_users(self) -> bool:
        with self.engine.connect() as c:
            return bool(c.execute(select(func.count()).select_from(t.users)).scalar())

    def add_user(self, name: str, password: str = "", admin: bool = False, actor: str = "") -> None:
        check_user_name(name)
        with self.engine.begin() as c:
            if c.execute(select(t.users.c.id).where(t.users.c.name == name)).first():
                raise AccountError(f"user {name!r} already exists")
            c.execute(
                insert(t.users).values(
                    name=name,
                    password_hash=_HASHER.hash(password) if password else "",
                    admin=admin,
                    disabled=False,
                    created=now(),
                )
            )
            self._record(c, actor, "user.add", name, "admin" if admin else "")

    def users(self) -> list[dict[str, Any]]:
        """Every user: name, admin, disabled, whether a password and a key are set, created."""
        with self.engine.connect() as c:
            keyed = set(c.execute(select(t.keys.c.user_id)).scalars())
            rows = c.execute(select(t.users).order_by(t.users.c.name)).mappings().all()
        return [
            {
                "name": r["name"],
                "admin": r["admin"],
                "disabled": r["disabled"],
                "password": bool(r["password_hash"]),
                "key": r["id"] in keyed,
                "created": r["created"].isoformat(timespec="seconds"),
            }
            for r in rows
        ]

    def _user_id(self, c, name: str) -> int:
        found = c.execute(select(t.users.c.id).where(t.users.c.name == name)).scalar()
        if found is None:
            raise AccountError(f"no user {name!r}: `rag users list` shows them")
        return found

    def set_disabled(self, name: str, disabled: bool = True, actor: str = "") -> None:
        with self.engine.begin() as c:
            c.execute(update(t.users).where(t.users.c.id == self._user_id(c, name)).values(disabled=disabled))
            self._record(c, actor, "user.disable" if disabled else "user.enable", name)

    def set_password(self, name: str, password: str, actor: str = "") -> None:
        if not password:
            raise AccountError("the password is empty")
        with self.engine.begin() as c:
            c.execute(
                update(t.users)
                .where(t.users.c.id == self._user_id(c, name))
                .values(password_hash=_HASHER.hash(password))
            )
            self._record(c, actor, "user.password", name)

    def new_key(self, name: str, actor: str = "") -> str:
        """A new API key for `name`, replacing any before it; shown once, stored as a hash."""
        key_id, secret = secrets.token_hex(4), secrets.token_urlsafe(24)
        with self.engine.begin() as c:
            user_id = self._user_id(c, name)
            c.execute(delete(t.keys).where(t.keys.c.user_id == user_id))
            c.execute(
                insert(t.keys).values(id=key_id, user_id=user_id, secret_hash=_HASHER.hash(secret), created=now())
            )
            self._record(c, actor, "user.key", name)
        return f"{KEY_PREFIX}{key_id}-{secret}"

    # --- who is asking ----------------------------------------------------------------------------
    def by_key(self, key: str) -> Caller | None:
        """The enabled user whose key this is; None for anything else."""
        if not key.startswith(KEY_PREFIX) or key.count("-") < 2:
            return None
        key_id, secret = key.removeprefix(KEY_PREFIX).split("-", 1)
        digest = _digest(key)
        with self.engine.connect() as c:
            row = c.execute(
                select(t.keys.c.secret_hash, t.users.c.name, t.users.c.admin, t.users.c.disabled)
                .join(t.users, t.users.c.id == t.keys.c.user_id)
                .where(t.keys.c.id == key_id)
            ).first()
        if row is None or row.disabled:
            return None
        with self._lock:
            known = self._verified.get(digest) == key_id
        if not known:
            if not _verify(row.secret_hash, secret):
                return None
            with self._lock:
                self._verified[digest] = key_id
        return Caller(row.name, bool(row.admin))

    def by_password(self, name: str, password: str) -> Caller | None:
        with self.engine.connect() as c:
            row = c.execute(select(t.users).where(t.users.c.name == name)).mappings().first()
        if row is None:
            _verify(_dummy_hash(), password)  # as slow as a real check: no telling which names exist
            return None
        if row["disabled"] or not _verify(row["password_hash"], password):
            return None
        return Caller(row["name"], bool(row["admin"]))

    def caller(self, name: str) -> Caller | None:
        """The enabled user `name` as a caller (a page session checked again on each request)."""
        with self.engine.connect() as c:
            row = c.execute(select(t.users).where(t.users.c.name == name)).mappings().first()
        return None if row is None or row["disabled"] else Caller(row["name"], bool(row["admin"]))

    # --- groups -----------------------------------------------------------------------------------
    def join(self, name: str, group: str, actor: str = "") -> None:
        """Put user `name` in `group` (a group exists while it has members)."""
        group = check_group(group)
        with self.engine.begin() as c:
            user_id = self._user_id(c, name)
            c.execute(delete(t.members).where(t.members.c.group_name == group, t.members.c.user_id == user_id))
            c.execute(insert(t.members).values(group_name=group, user_id=user_id))
            self._record(c, actor, "group.join", GROUP + group, name)

    def leave(self, name: str, group: str, actor: str = "") -> None:
        group = check_group(group)
        with self.engine.begin() as c:
            user_id = self._user_id(c, name)
            c.execute(delete(t.members).where(t.members.c.group_name == group, t.members.c.user_id == user_id))
            self._record(c, actor, "group.leave", GROUP + group, name)

    def groups(self) -> dict[str, list[str]]:
        """Every group and its members' names."""
        query = (
            select(t.members.c.group_name, t.users.c.name)
            .join(t.users, t.users.c.id == t.members.c.user_id)
            .order_by(t.members.c.group_name, t.users.c.name)
        )
        found: dict[str, list[str]] = {}
        with self.engine.connect() as c:
            for group, name in c.execute(query):
                found.setdefault(group, []).append(name)
        return found

    def _grantees(self, c, caller: Caller) -> list[str]:
        """Whom a grant may name to reach `caller`: them, their groups, everyone."""
        groups = c.execute(
            select(t.members.c.group_name)
            .join(t.users, t.users.c.id == t.members.c.user_id)
            .where(t.users.c.name == caller.name)
        ).scalars()
        return [caller.name, EVERYONE, *(GROUP + g for g in groups)]

    # --- chat-page sessions -----------------------------------------------------------------------
    def start_session(self, caller: Caller, hours: float, key_digest: str = "") -> str:
        """A new session for `caller` lasting `hours`: the cookie's token (stored only hashed)."""
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as c:
            c.execute(delete(t.sessions).where(t.sessions.c.expires < now()))
            c.execute(
                insert(t.sessions).values(
                    token_hash=_digest(token),
                    name=caller.name,
                    admin=caller.admin,
                    key_digest=key_digest,
                    expires=now() + timedelta(hours=hours),
                )
            )
        return token

    def session(self, token: str, key_digest: str = "") -> Caller | None:
        """The caller of a live session: not expired, its user still enabled (or, logged in with
        the server's key, that key still the one it runs with)."""
        if not token:
            return None
        with self.engine.connect() as c:
            row = c.execute(select(t.sessions).where(t.sessions.c.token_hash == _digest(token))).mappings().first()
        if row is None or _aware(row["expires"]) < now():
            return None
        if row["key_digest"]:
            return Caller(row["name"], True) if key_digest and row["key_digest"] == key_digest else None
        return self.caller(row["name"])

    def end_session(self, token: str) -> None:
        with self.engine.begin() as c:
            c.execute(delete(t.sessions).where(t.sessions.c.token_hash == _digest(token or "")))

    # --- rights -----------------------------------------------------------------------------------
    def grant(self, grantee: str, knowledge_base: str, right: str, actor: str = "") -> None:
        check_right(right)
        with self.engine.begin() as c:
            if grantee.startswith(GROUP):
                check_group(grantee[1:])
            elif grantee != EVERYONE:
                self._user_id(c, grantee)
            c.execute(
                delete(t.grants).where(t.grants.c.knowledge_base == knowledge_base, t.grants.c.grantee == grantee)
            )
            c.execute(insert(t.grants).values(knowledge_base=knowledge_base, grantee=grantee, right=right))
            self._record(c, actor, "grant", knowledge_base, f"{grantee} {right}")

    def revoke(self, grantee: str, knowledge_base: str, actor: str = "") -> None:
        with self.engine.begin() as c:
            c.execute(
                delete(t.grants).where(t.grants.c.knowledge_base == knowledge_base, t.grants.c.grantee == grantee)
            )
            self._record(c, actor, "revoke", knowledge_base, grantee)

    def forget(self, knowledge_base: str, actor: str = "") -> None:
        """A deleted knowledge base's grants go with it: a new one of the same name starts closed."""
        with self.engine.begin() as c:
            c.execute(delete(t.grants).where(t.grants.c.knowledge_base == knowledge_base))

    def grants(self) -> list[dict[str, str]]:
        query = select(t.grants).order_by(t.grants.c.knowledge_base, t.grants.c.grantee)
        with self.engine.connect() as c:
            return [
                {"knowledge_base": r["knowledge_base"], "grantee": r["grantee"], "right": r["right"]}
                for r in c.execute(query).mappings()
            ]

    def right(self, caller: Caller, knowledge_base: str) -> str:
        """What `caller` may do with `knowledge_base`: admin, write, read, or "" (nothing)."""
        if caller.admin:
            return ADMIN
        with self.engine.connect() as c:
            held = set(
                c.execute(
                    select(t.grants.c.right).where(
                        t.grants.c.knowledge_base == knowledge_base, t.grants.c.grantee.in_(self._grantees(c, caller))
                    )
                ).scalars()
            )
        return WRITE if WRITE in held else READ if READ in held else ""

    def readable(self, caller: Caller, names: list[str]) -> list[str]:
        """Of `names`, those `caller` may read (one query, not one per knowledge base)."""
        if caller.admin:
            return names
        with self.engine.connect() as c:
            granted = set(
                c.execute(
                    select(t.grants.c.knowledge_base).where(t.grants.c.grantee.in_(self._grantees(c, caller)))
                ).scalars()
            )
        return [n for n in names if n in granted]

    # --- the audit log ----------------------------------------------------------------------------
    def record(self, actor: str, action: str, target: str, detail: str = "") -> None:
        with self.engine.begin() as c:
            self._record(c, actor, action, target, detail)

    @staticmethod
    def _record(c, actor: str, action: str, target: str, detail: str = "") -> None:
        c.execute(
            insert(t.audit).values(at=now(), actor=actor or "-", action=action, target=target[:400], detail=detail)
        )

    def audit(self, limit: int = 100) -> list[dict[str, str]]:
        """The last `limit` entries, newest first."""
        with self.engine.connect() as c:
            rows = c.execute(select(t.audit).order_by(t.audit.c.id.desc()).limit(limit)).mappings().all()
        return [
            {
                "at": r["at"].isoformat(timespec="seconds"),
                "actor": r["actor"],
                "action": r["action"],
                "target": r["target"],
                "detail": r["detail"],
            }
            for r in rows
        ]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back the UTC times it stored without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash("not a password anyone has")
