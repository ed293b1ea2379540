"""`rag search QUESTION [--index DIR] [-k N] [--json] [--doc GLOB]`: ranked passages, no generation."""

from __future__ import annotations

import textwrap

from rag.cli.options import add_kb


def register(sub) -> None:
    p = sub.add_parser(
        "search",
        help="show the passages retrieved for a question",
        description="Hybrid retrieval (BM25 + dense, fused by rank) over an index.",
    )
    p.add_argument("question", metavar="QUESTION")
    add_kb(p)
    p.add_argument("--index", metavar="DIR", help="index folder (default: index_dir, indexes/default)")
    p.add_argument("-k", type=int, metavar="N", help="number of passages (default: top_k, 5)")
    p.add_argument("--json", action="store_true", help='print {"question", "hits": [...]} as one JSON object')
    p.add_argument("--doc", metavar="GLOB", help="only documents whose name matches, e.g. '000_*'")
    p.set_defaults(run=run)


def run(args, config) -> int:
    import json

    from rag.errors import RagError
    from rag.pipeline import Rag
    from rag.types import search_json

    if args.index:
        config = config.replace(index_dir=args.index)
    if args.k is not None and args.k < 1:
        raise RagError("-k must be at least 1")
    hits = Rag(config).search(args.question, k=args.k, doc_glob=args.doc)
    if args.json:
        print(json.dumps(search_json(args.question, hits), ensure_ascii=False))
    else:
        print("\n\n".join(_render(h) for h in hits) if hits else "no passages found")
    return 0


def _render(hit) -> str:
    c = hit.chunk
    where = " > ".join(p for p in (c.doc, c.section) if p) + (f" ({c.where()})" if c.where() else "")
    sides = f"bm25 #{hit.sparse_rank or '-'}, dense #{hit.dense_rank or '-'}"
    # 38 characters: CJK characters take two terminal columns each
    body = textwrap.fill(" ".join(c.text.split()), width=38, initial_indent="   ", subsequent_indent="   ")
    return f"[{hit.rank}] {where}  (score {hit.score:.4f}; {sides})\n{body}"
