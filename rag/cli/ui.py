"""`rag ui [--index DIR] [--host 127.0.0.1] [--port 7860]`: the chat page.

When the index does not exist yet, the seed documents are indexed into it first, so a fresh
checkout answers questions right away. The page is served on 127.0.0.1 unless --host says
otherwise; no browser is opened and no public link is made.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rag.cli.options import add_kb
from rag.config import Config
from rag.errors import RagError

REPO_SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ui",
        help="serve the chat page (ask, check citations, upload documents)",
        description="Serve the chat page on http://HOST:PORT/ and print its address.",
    )
    add_kb(parser)
    parser.add_argument("--index", metavar="DIR", help="index folder (default: the index_dir setting)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; 0.0.0.0 exposes the page to your network)",
    )
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.set_defaults(run=run)


def seeds_folder() -> Path | None:
    """seeds/ in the working directory, else the one beside the package (a source checkout)."""
    for folder in (Path("seeds"), REPO_SEEDS):
        if folder.is_dir():
            return folder
    return None


def ensure_index(rag, command: str = "rag ui") -> None:
    """Index the seeds into a missing index; an existing one (even empty of seeds) is left alone.
    `command` names who says so in the log."""
    from rag.index.manifest import MANIFEST_FILE

    if (rag.index_dir / MANIFEST_FILE).is_file():
        return
    seeds = seeds_folder()
    if seeds is None:
        print(
            f"{command}: no index at {rag.index_dir} and no seeds/ folder: upload documents from the page",
            file=sys.stderr,
        )
        return
    print(f"{command}: no index at {rag.index_dir}: indexing {seeds} first", file=sys.stderr, flush=True)
    report = rag.index([seeds])
    print(f"{command}: {report.summary()}", file=sys.stderr, flush=True)


def knowledge_base_of(index: Path, config: Config) -> str | None:
    """The knowledge base an index folder is (indexes/NAME), None for a folder elsewhere."""
    from rag.knowledge import check_name

    if index.parent.resolve() != Path(config.knowledge_bases_dir).resolve():
        return None
    try:
        return check_name(index.name)
    except RagError:
        return None


def run(args: argparse.Namespace, config: Config) -> int:
    from rag.knowledge import DEFAULT, KnowledgeBases
    from rag.pipeline import Rag
    from rag.ui.app import serve

    if args.index:
        config = config.replace(index_dir=args.index)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"rag ui: serving on {args.host}: anyone who can reach this address can read and upload documents",
            file=sys.stderr,
        )
    name = knowledge_base_of(Path(config.index_dir), config)
    source: Rag | KnowledgeBases
    if name is None:  # a folder outside the knowledge bases: a page over that one index
        source = rag = Rag(config)
    else:
        source = KnowledgeBases(config)
        if not source.exists(name):
            source.create(name)
        rag = source.get(name)
    if name in (None, DEFAULT):  # a new knowledge base of another name starts empty
        ensure_index(rag)
    try:
        serve(source, host=args.host, port=args.port, start=name or "")
    except OSError:
        raise RagError(
            f"cannot serve on {args.host}:{args.port} (port in use or address not available): "
            "pass another --port or --host"
        ) from None
    return 0
