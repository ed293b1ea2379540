"""The `rag` command: a thin shell. Each subcommand lives in rag/cli/<name>.py and exposes
`register(subparsers)`, which adds its parser and sets `run(args, config) -> int` as default.
Heavy libraries are imported inside `run`, so `rag --help` stays fast."""

from __future__ import annotations

import argparse
import importlib
import sys

from rag import __version__
from rag.cli.options import resolve_kb
from rag.config import apply_runtime_env, load_config
from rag.errors import RagError

COMMANDS = ("setup", "index", "search", "ask", "chunks", "ui", "serve", "users", "audit", "eval", "bench")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag", description="Ask questions of a Chinese document collection; answers cite their sources."
    )
    parser.add_argument("--version", action="version", version=f"rag {__version__}")
    parser.add_argument("--config", metavar="FILE", help="TOML settings file (default: ./rag.toml if present)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"rag.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"rag.cli.{name}":
                raise
            continue  # a command not built yet
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        config = load_config(args.config)
        apply_runtime_env(config)
        resolve_kb(args, config)
        return int(args.run(args, config) or 0)
    except RagError as exc:
        print(f"rag: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
