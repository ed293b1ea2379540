"""Options shared by several commands: `--kb NAME`, the knowledge base a command works on."""

from __future__ import annotations

import argparse

from rag.config import Config
from rag.errors import ConfigError


def add_kb(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kb", metavar="NAME", help="knowledge base NAME, i.e. --index indexes/NAME (letters, digits, -, _, Chinese)"
    )


def resolve_kb(args: argparse.Namespace, config: Config) -> None:
    """`--kb NAME` becomes `--index <knowledge_bases_dir>/NAME`, its name checked first."""
    name = getattr(args, "kb", None)
    if not name:
        return
    from rag.knowledge import index_dir_of

    if getattr(args, "index", None):
        raise ConfigError("give --kb NAME or --index DIR, not both")
    args.index = index_dir_of(name, config)
