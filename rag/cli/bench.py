"""`rag bench [PATH ...] [--format squad] [--index DIR] [--queries FILE] [--limit N] [--rounds N] [--json]`:
speed numbers;
`rag bench --http --kb NAME`: search in process and over `rag serve`'s HTTP API, side by side."""

from __future__ import annotations

from rag.cli.options import add_kb

DEFAULT_QUERIES = "eval/gold_seeds.jsonl"


def register(sub) -> None:
    p = sub.add_parser(
        "bench",
        help="time index building and search (models loaded)",
        description="With PATHs: build a fresh index of them (in --index DIR, else a temporary "
        "folder) and report chunks/s; then time every question of --queries through "
        "search, BM25 alone and dense alone (p50/p95), and report peak memory.",
    )
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders to index (omit to time an existing --index only)"
    )
    p.add_argument("--index", metavar="DIR", help="index folder (rebuilt when PATHs are given)")
    p.add_argument(
        "--queries", metavar="FILE", help=f"gold set (.jsonl) or one question per line (default {DEFAULT_QUERIES})"
    )
    p.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    p.add_argument("-k", type=int, metavar="N", help="passages per search (default: top_k)")
    p.add_argument(
        "--rounds",
        type=int,
        default=2,
        metavar="N",
        help="with PATHs: embed the chunks N times at fp32 and at embed_precision, alternating, "
        "and print both speeds and their ratio (default 2; 0 skips)",
    )
    p.add_argument(
        "--format",
        choices=["files", "squad"],
        default="files",
        help="squad: PATH is one SQuAD-style JSON file (CMRC 2018, DRCD) whose paragraphs are the "
        "corpus and whose questions are timed unless --queries is given",
    )
    p.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    p.add_argument(
        "--http",
        action="store_true",
        help="time each question in process and through POST /v1/search of a server started on "
        "127.0.0.1, alternately, on an existing knowledge base (--kb NAME, default 'default')",
    )
    p.add_argument(
        "--soak",
        type=int,
        metavar="SECONDS",
        help="a soak: locust users searching, listing, uploading (each upload followed to the end of "
        "its job) and, with --ask, asking the model, against a server started here on 127.0.0.1 "
        "over the knowledge bases (or --url); reports requests/s, p50/p95, failures and memory",
    )
    p.add_argument("--users", type=int, default=20, metavar="N", help="with --soak: concurrent users (default 20)")
    p.add_argument("--url", metavar="URL", help="with --soak: a running server instead (its key in RAG_API_KEY)")
    p.add_argument("--ask", action="store_true", help="with --soak: users also ask the model now and then")
    p.add_argument(
        "--answers",
        metavar="GOLD",
        help="time answers to GOLD's questions (.jsonl, or one a line) on --index/--kb: first sources, "
        "first text, total, prefill/decode p50/p95 and prompt tokens, per --variant side by side",
    )
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME:SETTING=VALUE,...",
        help="with --answers: a configuration to time (repeatable; none: the settings as they are), "
        "e.g. flash:llm_flash_attn=true or lookup:llm_lookup=8",
    )
    add_kb(p)
    p.set_defaults(run=run)


def run(args, config) -> int:
    import json
    from pathlib import Path

    from rag.errors import RagError
    from rag.evaluation.bench import read_questions, run_bench

    if args.answers:
        return _answers(args, config, read_questions(args.answers, args.limit))
    if args.soak:
        return _soak(args, config, read_questions(args.queries or DEFAULT_QUERIES, args.limit))
    if args.http:
        return _http(args, config, read_questions(args.queries or DEFAULT_QUERIES, args.limit))
    if not args.paths and not args.index:
        raise RagError("give PATHs to index and time, or --index DIR to time searches on an existing index")
    if args.format == "squad":
        return _squad(args, config)
    questions = read_questions(args.queries or DEFAULT_QUERIES, args.limit)
    result = run_bench(
        args.paths, config, questions, Path(args.index) if args.index else None, args.k, rounds=args.rounds
    )
    print(json.dumps(result.to_json(), ensure_ascii=False) if args.json else result.table())
    return 0


def _squad(args, config) -> int:
    """The paragraphs of one SQuAD-style file written out as a corpus in a temporary folder (as
    `rag eval --format squad` does), indexed and raced; its own questions are the ones timed."""
    import json
    import shutil
    import tempfile
    from pathlib import Path

    from rag.errors import RagError
    from rag.evaluation.bench import read_questions, run_bench
    from rag.evaluation.squad import read_squad, write_corpus

    if len(args.paths) != 1:
        raise RagError("--format squad takes one PATH: the SQuAD-style .json file")
    squad = read_squad(args.paths[0])
    questions = (
        read_questions(args.queries, args.limit)
        if args.queries
        else [q.question for q in squad.questions][: args.limit or None]
    )
    scratch = Path(tempfile.mkdtemp(prefix="rag-bench-squad-"))
    try:
        corpus = write_corpus(squad.paragraphs, scratch / squad.name)
        result = run_bench(
            [corpus], config, questions, Path(args.index) if args.index else None, args.k, rounds=args.rounds
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(result.to_json(), ensure_ascii=False) if args.json else result.table())
    return 0


def _http(args, config, questions) -> int:
    import json
    from pathlib import Path

    from rag.errors import RagError
    from rag.knowledge import DEFAULT, KnowledgeBases
    from rag.server.bench import race_search, race_table

    if args.paths:
        raise RagError("--http times an existing knowledge base: index it first (rag index PATH --kb NAME)")
    folder = Path(args.index or Path(config.knowledge_bases_dir) / DEFAULT)
    bases = KnowledgeBases(config.replace(knowledge_bases_dir=str(folder.parent)))
    result = race_search(bases, folder.name, questions, args.k)
    print(json.dumps(result, ensure_ascii=False) if args.json else race_table(result))
    return 0


def _soak(args, config, questions) -> int:
    import json
    import os
    import resource
    import secrets

    from rag.server.soak import soak, soak_table

    kb = args.kb or "default"
    if args.url:
        result = soak(args.url, os.environ.get("RAG_API_KEY", ""), args.soak, args.users, kb, questions, args.ask)
    else:
        from rag.server.app import create_app
        from rag.server.run import start

        key = secrets.token_urlsafe(16)
        app = create_app(config, api_key=key)
        app.state.rag.bases.get(kb).search("预热")  # the models load before the clock starts
        idle_mb = _rss_mb()
        running = start(app)
        try:
            result = soak(running.url, key, args.soak, args.users, kb, questions, args.ask)
        finally:
            running.stop()
        # the peak is the process's whole life's: a bound on what the soak took, never an underestimate
        result["memory_mb"] = {
            "before": round(idle_mb),
            "peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(soak_table(result))
        if "memory_mb" in result:
            print(
                f"server memory: {result['memory_mb']['before']} MB before the soak, at most "
                f"{result['memory_mb']['peak']} MB at any time"
            )
    return 0


def _answers(args, config, questions) -> int:
    import json
    from pathlib import Path

    from rag.evaluation.answer_bench import answers_table, parse_variant, race_answers

    variants = [parse_variant(v) for v in args.variant] or [parse_variant("as-configured")]
    folder = Path(args.index) if args.index else Path(config.index_dir)  # --kb NAME has set --index
    result = race_answers(folder, config, questions, variants)
    print(json.dumps(result, ensure_ascii=False) if args.json else answers_table(result))
    return 0


def _rss_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    import os

    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
