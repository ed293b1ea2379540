"""`rag users add|list|disable|enable|passwd|key|join|leave|groups|grant|revoke|rights`: the
people who share one `rag serve`, their keys and passwords, their groups, and what each may do
with each knowledge base. Works on
the server's database (the `database_url` setting; by default rag.db in knowledge_bases_dir)
while the server runs: a change holds from the server's next request."""

from __future__ import annotations

import getpass
import json
import sys
import unicodedata

from rag.errors import RagError

ACTOR = "cli"


def register(sub) -> None:
    p = sub.add_parser(
        "users",
        help="users, API keys and rights of a shared rag serve",
        description="Manage who may use a shared `rag serve`. A server with no users is open "
        "(or guarded by its one --api-key); once there are users, each reads only the "
        "knowledge bases granted to them or to everyone ('*').",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a user (asks for a password; from stdin when it is not a terminal)")
    add.add_argument("name")
    add.add_argument("--admin", action="store_true", help="may manage users and create or delete knowledge bases")
    add.add_argument("--no-password", action="store_true", help="an API key only, no chat-page login")
    actions.add_parser("list", help="the users").add_argument("--json", action="store_true")
    for verb, text in (
        ("disable", "stop a user's key and logins at once"),
        ("enable", "let a disabled user in"),
        ("passwd", "set a user's chat-page password"),
        ("key", "issue a new API key (replacing the old one), shown once"),
    ):
        actions.add_parser(verb, help=text).add_argument("name")
    for verb, text in (
        ("join", "put a user in a group (grant to @GROUP to reach all its members)"),
        ("leave", "take a user out of a group"),
    ):
        member = actions.add_parser(verb, help=text)
        member.add_argument("name")
        member.add_argument("group")
    actions.add_parser("groups", help="the groups and their members").add_argument("--json", action="store_true")
    grant = actions.add_parser(
        "grant", help="let a user, a group (@GROUP) or everyone ('*') read or write a knowledge base"
    )
    grant.add_argument("name", help="a user, @GROUP, or '*' for everyone")
    grant.add_argument("kb", help="a knowledge base")
    grant.add_argument("right", choices=["read", "write"], help="read: search and ask; write: also upload and delete")
    revoke = actions.add_parser("revoke", help="take a user's (or everyone's) right to a knowledge base away")
    revoke.add_argument("name")
    revoke.add_argument("kb")
    actions.add_parser("rights", help="who may read or write which knowledge base").add_argument(
        "--json", action="store_true"
    )
    p.set_defaults(run=run)


def _password(name: str) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {name}: ")
    if first != getpass.getpass("again: "):
        raise RagError("the two passwords differ: nothing was changed")
    return first


def _width(text: str) -> int:
    """Columns a terminal gives `text`: two for a Chinese character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: list[dict], columns: tuple[str, ...]) -> None:
    widths = [max([len(c), *(_width(str(r[c])) for r in rows)]) for c in columns]
    for line in [dict(zip(columns, columns, strict=True))] + rows:
        print(
            "  ".join(
                str(line[c]) + " " * (w - _width(str(line[c]))) for c, w in zip(columns, widths, strict=True)
            ).rstrip()
        )


def _show(data, rows: list[dict], columns: tuple[str, ...], as_json: bool) -> None:
    """`data` as one JSON line, or `rows` as a table."""
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        _table(rows, columns)


def _add(accounts, args, _config) -> None:
    password = "" if args.no_password else _password(args.name)
    if not args.no_password and not password:
        raise RagError("the password is empty: give one, or pass --no-password for a key-only user")
    accounts.add_user(args.name, password, admin=args.admin, actor=ACTOR)
    print(
        f"added {'admin' if args.admin else 'user'} {args.name}; `rag users key {args.name}` issues an API key",
        file=sys.stderr,
    )


def _list(accounts, args, _config) -> None:
    users = accounts.users()
    mark = lambda flag, word: word if flag else ""  # noqa: E731
    rows = [
        {
            **u,
            "admin": mark(u["admin"], "yes"),
            "disabled": mark(u["disabled"], "yes"),
            "password": mark(u["password"], "set"),
            "key": mark(u["key"], "set"),
        }
        for u in users
    ]
    _show(users, rows, ("name", "admin", "disabled", "password", "key", "created"), args.json)


def _disable(accounts, args, _config) -> None:
    accounts.set_disabled(args.name, args.action == "disable", actor=ACTOR)
    print(f"{args.name} {args.action}d", file=sys.stderr)


def _passwd(accounts, args, _config) -> None:
    accounts.set_password(args.name, _password(args.name), actor=ACTOR)
    print(f"password of {args.name} set", file=sys.stderr)


def _key(accounts, args, _config) -> None:
    key = accounts.new_key(args.name, actor=ACTOR)
    print(f"the API key of {args.name} (shown once; the old one no longer works):", file=sys.stderr)
    print(key)


def _member(accounts, args, _config) -> None:
    group = args.group.lstrip("@")
    (accounts.join if args.action == "join" else accounts.leave)(args.name, group, actor=ACTOR)
    print(f"{args.name} {'is in' if args.action == 'join' else 'is no longer in'} @{group}", file=sys.stderr)


def _groups(accounts, args, _config) -> None:
    groups = accounts.groups()
    _show(
        groups,
        [{"group": f"@{g}", "members": " ".join(names)} for g, names in groups.items()],
        ("group", "members"),
        args.json,
    )


def _grant(accounts, args, config) -> None:
    from rag.knowledge import KnowledgeBases

    bases = KnowledgeBases(config)
    if not bases.exists(args.kb):
        raise RagError(f"no knowledge base {args.kb!r} under {bases.root} (known: {', '.join(bases.names())})")
    accounts.grant(args.name, args.kb, args.right, actor=ACTOR)
    print(f"{'everyone' if args.name == '*' else args.name} may {args.right} {args.kb}", file=sys.stderr)


def _revoke(accounts, args, _config) -> None:
    accounts.revoke(args.name, args.kb, actor=ACTOR)
    print(f"{'everyone' if args.name == '*' else args.name}: no right to {args.kb} granted", file=sys.stderr)


def _rights(accounts, args, _config) -> None:
    grants = accounts.grants()
    _show(grants, grants, ("knowledge_base", "grantee", "right"), args.json)


ACTIONS = {
    "add": _add,
    "list": _list,
    "disable": _disable,
    "enable": _disable,
    "passwd": _passwd,
    "key": _key,
    "join": _member,
    "leave": _member,
    "groups": _groups,
    "grant": _grant,
    "revoke": _revoke,
    "rights": _rights,
}


def run(args, config) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from rag.accounts import Accounts

    try:
        ACTIONS[args.action](Accounts.of(config), args, config)
    except SQLAlchemyError as exc:
        raise Accounts.failed(exc, config) from None
    return 0
