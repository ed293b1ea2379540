"""`rag bench [PATH ...] [--index DIR] [--queries FILE] [--limit N] [--rounds N] [--json]`: speed numbers."""

from __future__ import annotations

DEFAULT_QUERIES = "eval/gold_seeds.jsonl"


def register(sub) -> None:
    p = sub.add_parser("bench", help="time index building and search (models loaded)",
                       description="With PATHs: build a fresh index of them (in --index DIR, else a temporary "
                                   "folder) and report chunks/s; then time every question of --queries through "
                                   "search, BM25 alone and dense alone (p50/p95), and report peak memory.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to index (omit to time an "
                                                             "existing --index only)")
    p.add_argument("--index", metavar="DIR", help="index folder (rebuilt when PATHs are given)")
    p.add_argument("--queries", metavar="FILE", default=DEFAULT_QUERIES,
                   help=f"gold set (.jsonl) or one question per line (default {DEFAULT_QUERIES})")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    p.add_argument("-k", type=int, metavar="N", help="passages per search (default: top_k)")
    p.add_argument("--rounds", type=int, default=2, metavar="N",
                   help="with PATHs: embed the chunks N times at fp32 and at embed_precision, alternating, "
                        "and print both speeds and their ratio (default 2; 0 skips)")
    p.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    p.set_defaults(run=run)


def run(args, config) -> int:
    import json
    from pathlib import Path

    from rag.errors import RagError
    from rag.evaluation.bench import read_questions, run_bench

    if not args.paths and not args.index:
        raise RagError("give PATHs to index and time, or --index DIR to time searches on an existing index")
    questions = read_questions(args.queries, args.limit)
    result = run_bench(args.paths, config, questions, Path(args.index) if args.index else None, args.k,
                       rounds=args.rounds)
    print(json.dumps(result.to_json(), ensure_ascii=False) if args.json else result.table())
    return 0
