"""One module per `rag` subcommand; see rag/cli.py."""
