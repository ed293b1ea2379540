"""The `rag` command: the entry point (main.py) and one module per subcommand, each exposing
`register(subparsers)`. A thin shell over the pipeline object; heavy libraries are imported
inside each command's `run`, so `rag --help` stays fast."""

from rag.cli.main import main

__all__ = ["main"]
