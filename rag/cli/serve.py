"""`rag serve [--host 127.0.0.1] [--port 8000] [--api-key KEY]`: the HTTP API under /v1
(OpenAI-compatible chat, search, knowledge bases) and the chat page at /, on one server.

Bound to 127.0.0.1 unless told otherwise; any other address needs an API key (--api-key or
RAG_API_KEY) or users (`rag users`), which every /v1 route and the chat page then ask for. The default knowledge base is indexed from
seeds/ first when it is missing, as `rag ui` does.
"""

from __future__ import annotations

import argparse
import os
import sys

from rag.config import Config
from rag.errors import ConfigError, RagError

KEY_VARIABLE = "RAG_API_KEY"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the HTTP API (OpenAI-compatible, knowledge bases) and the chat page",
        description="Serve the API under http://HOST:PORT/v1 (OpenAPI page at /docs) and the chat page at /.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; any other needs --api-key)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--api-key", metavar="KEY", help=f"clients must send 'Authorization: Bearer KEY' (default: ${KEY_VARIABLE})"
    )
    parser.add_argument("--no-page", action="store_true", help="serve the API only, without the chat page")
    parser.set_defaults(run=run)


def api_key_for(host: str, given: str | None, users: int = 0) -> str:
    """The key to require; refuses a non-loopback address that neither a key nor users guard."""
    from rag.server.run import LOOPBACK

    key = given if given is not None else os.environ.get(KEY_VARIABLE, "")
    if host not in LOOPBACK and not key and not users:
        raise ConfigError(
            f"serving on {host} needs an API key or users: pass --api-key KEY, set {KEY_VARIABLE}, "
            "or add users (`rag users add NAME --admin`); or bind 127.0.0.1"
        )
    return key


def _guard(key: str, users: int) -> str:
    if users:
        return f"{users} users{' and the API key' if key else ''}: each sees what they are granted"
    return "API key required" if key else "no API key: open to anyone who can reach it"


def run(args: argparse.Namespace, config: Config) -> int:
    from rag.accounts import Accounts

    users = Accounts.users_in(config)
    key = api_key_for(args.host, args.api_key, users)
    from rag.cli.ui import ensure_index
    from rag.knowledge import DEFAULT, KnowledgeBases
    from rag.server.app import create_app
    from rag.server.run import serve_forever

    bases = KnowledgeBases(config)
    if not bases.exists(DEFAULT):
        bases.create(DEFAULT)
    ensure_index(bases.get(DEFAULT), "rag serve")
    app = create_app(config, api_key=key, page=not args.no_page, bases=bases)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(
        f"rag serve: http://{shown}:{args.port}/v1 (API; docs at /docs), chat page at http://{shown}:{args.port}/ "
        f"({_guard(key, users)}; Ctrl-C to stop)",
        file=sys.stderr,
        flush=True,
    )
    try:
        serve_forever(app, args.host, args.port)
    except OSError:
        raise RagError(
            f"cannot serve on {args.host}:{args.port} (port in use or address not available): "
            "pass another --port or --host"
        ) from None
    return 0
