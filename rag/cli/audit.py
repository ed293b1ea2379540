"""`rag audit [--limit N] [--json]`: who created, deleted, uploaded, granted what, and when,
newest first, from the database a shared `rag serve` keeps."""

from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser("audit", help="the audit log of a shared rag serve (who changed what, when)")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="entries shown, newest first (default 50)")
    p.add_argument("--json", action="store_true", help="one JSON object a line")
    p.set_defaults(run=run)


def run(args, config) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from rag.accounts import Accounts

    try:
        entries = Accounts.of(config).audit(args.limit)
    except SQLAlchemyError as exc:
        raise Accounts.failed(exc, config) from None
    for entry in entries:
        if args.json:
            print(json.dumps(entry, ensure_ascii=False))
        else:
            print(f"{entry['at']}  {entry['actor']}  {entry['action']}  {entry['target']}  {entry['detail']}".rstrip())
    return 0
