"""`rag eval GOLD.jsonl [--index DIR] [--out DIR] [--limit N] [--retrieval-only]`: score retrieval
and answers against a gold set; `--format squad FILE` for SQuAD-style benchmarks (CMRC 2018);
`--compare RUN_A RUN_B` to see what changed between two runs."""

from __future__ import annotations

import datetime as _dt
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rag.cli.options import add_kb

if TYPE_CHECKING:
    from rag.evaluation.gold import GoldItem

RUNS_DIR = Path("eval/runs")


def register(sub) -> None:
    p = sub.add_parser(
        "eval",
        help="score retrieval and answers against a gold Q&A set",
        description="Writes results.jsonl, metrics.json and report.md (with PNG plots) to --out. "
        "Ctrl-C stops early and still scores the questions done.",
    )
    p.add_argument(
        "gold",
        nargs="?",
        metavar="GOLD",
        help="gold set (JSON Lines); with --format squad a SQuAD-style JSON file such as cmrc2018_dev.json",
    )
    add_kb(p)
    p.add_argument(
        "--index", metavar="DIR", help="index folder (default: index_dir; with --format squad indexes/<file stem>)"
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: eval/runs/<name>-<time>)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    p.add_argument("--retrieval-only", action="store_true", help="score retrieval only; no answers generated")
    p.add_argument(
        "--corpus",
        metavar="PATH",
        help="documents to index when --index is a missing folder; "
        "with --format squad, where the paragraphs are written "
        "(default eval/runs/corpora/<file stem>)",
    )
    p.add_argument("--format", choices=("jsonl", "squad"), default="jsonl", help="format of GOLD")
    p.add_argument("--sample", type=int, metavar="N", help="a fixed random sample of N questions (see --seed)")
    p.add_argument("--seed", type=int, default=0, help="seed of --sample and --unanswerable (default 0)")
    p.add_argument(
        "--unanswerable",
        type=int,
        metavar="N",
        help="with --format squad: leave the paragraphs of N sampled questions out of the corpus, "
        "so their right answer is a refusal (negative rejection); indexes a corpus of its own",
    )
    p.add_argument(
        "--typed-negatives",
        action="store_true",
        help="with --unanswerable: hold out only questions asking for a person, place, time, "
        "organization, title or quantity whose article keeps other paragraphs (news-style)",
    )
    p.add_argument(
        "--generation-cache",
        metavar="FILE",
        help="replay the model's answers to prompts seen before (recorded in FILE): measures a change "
        "to verification or refusal in minutes; a changed prompt still runs the model",
    )
    p.add_argument(
        "--compare", nargs=2, metavar=("RUN_A", "RUN_B"), help="print what changed between two run folders, then exit"
    )
    p.set_defaults(run=run)


@dataclass(frozen=True)
class Plan:
    name: str
    items: tuple[GoldItem, ...]
    index_dir: Path
    corpus: Path | None  # indexed first when index_dir is missing
    out_dir: Path
    cmrc: bool


def _default_out(name: str, args) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return RUNS_DIR / f"{name}{'-retrieval' if args.retrieval_only else ''}-{stamp}"


def _plan(args, config) -> Plan:
    from rag.errors import EvalError
    from rag.evaluation.gold import read_gold, write_gold
    from rag.evaluation.squad import hold_out, read_squad, sample_questions, write_corpus

    if args.unanswerable and args.format != "squad":
        raise EvalError("--unanswerable needs --format squad: a gold set states its unanswerable questions itself")
    negatives: list = []
    corpus: Path | None
    if args.format == "squad":
        squad = read_squad(args.gold)
        if args.unanswerable:
            squad = hold_out(squad, args.unanswerable, args.seed, typed=args.typed_negatives)
        name, items = squad.name, [q for q in squad.questions if q.answers or not args.unanswerable]
        negatives = [q for q in squad.questions if args.unanswerable and not q.answers]
        corpus = write_corpus(squad.paragraphs, args.corpus or RUNS_DIR / "corpora" / name)
        index_dir = Path(args.index or Path("indexes") / name)
    else:
        name, items = Path(args.gold).stem, read_gold(args.gold)
        corpus = Path(args.corpus) if args.corpus else None
        index_dir = Path(args.index or config.index_dir)
    if args.sample:
        items = sample_questions(items, args.sample, args.seed)
    if args.limit:
        items = items[: args.limit]
    items += negatives
    out_dir = Path(args.out) if args.out else _default_out(name, args)
    if args.format == "squad":
        write_gold(items, out_dir / "gold.jsonl")  # the converted questions, to read beside the results
    return Plan(name, tuple(items), index_dir, corpus, out_dir, cmrc=args.format == "squad")


def _missing(folder: Path, config) -> bool:
    if config.vector_store != "faiss":  # the folder is only a cache: ask the store
        from rag.index.vectors import make_vector_backend

        return not make_vector_backend(config).revision(folder)
    return not folder.is_dir() or not any(folder.iterdir())


def _prepare_index(plan: Plan, pipeline) -> None:
    from rag.cli.index import ProgressBar  # the same embedding progress bar as `rag index`
    from rag.errors import EvalError

    if not _missing(plan.index_dir, pipeline.config):
        return
    if plan.corpus is None:
        raise EvalError(
            f"index {plan.index_dir} not found: run `rag index PATH --index {plan.index_dir}` "
            "or pass --corpus PATH to build it"
        )
    print(f"rag eval: indexing {plan.corpus} into {plan.index_dir}", file=sys.stderr)
    with ProgressBar() as bar:
        report = pipeline.index([str(plan.corpus)], progress=bar)
    print(report.summary() if hasattr(report, "summary") else report, file=sys.stderr)


def _command(args) -> str:
    words = ["rag", "eval", args.gold]
    for flag in ("format", "index", "out", "corpus", "sample", "limit", "unanswerable"):
        value = getattr(args, flag)
        if value and not (flag == "format" and value == "jsonl"):
            words += [f"--{flag}", str(value)]
    if args.sample or args.unanswerable:
        words += ["--seed", str(args.seed)]
    return shlex.join(words + (["--retrieval-only"] if args.retrieval_only else []))


def _settings(config, plan: Plan, args) -> dict:
    settings = config.public_dict()
    run = {
        "name": plan.name,
        "gold": str(args.gold),
        "format": args.format,
        "corpus": plan.corpus and str(plan.corpus),
        "sample": args.sample,
        "unanswerable": args.unanswerable,
        "seed": args.seed if args.sample or args.unanswerable else None,
        "limit": args.limit,
        "command": _command(args),
    }
    return {**settings, "run": run}


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _summary(result) -> str:
    m = result.metrics
    r, a = m["retrieval"], m["answer"]
    lines = [
        f"{m['n']} questions -> {result.out_dir}",
        "retrieval  " + "  ".join(f"{k} {_fmt(r[k])}" for k in ("hit@1", "hit@5", "hit@10", "mrr@10", "answer_hit@5")),
    ]
    if a["accuracy"] is not None:
        lines.append("answers    " + "  ".join(f"{k} {_fmt(v)}" for k, v in a.items()))
    if m.get("faq", {}).get("fired"):
        lines.append(f"faq        fired {m['faq']['fired']}  right {m['faq']['right']}")
    lat = m["latency_ms"]
    lines.append(f"latency    retrieve p50 {lat['retrieve_p50']} ms  total p50 {lat['total_p50']} ms")
    return "\n".join(lines)


def _compare(args) -> int:
    from rag.evaluation.compare import compare_runs, format_comparison

    print(format_comparison(compare_runs(*args.compare)))
    return 0


def run(args, config, make_pipeline=None) -> int:
    """`make_pipeline(config)` builds the pipeline; tests pass a scripted one."""
    if args.compare:
        return _compare(args)
    if not args.gold:
        print("rag eval: error: give a gold set (GOLD.jsonl) or --compare RUN_A RUN_B", file=sys.stderr)
        return 2
    from rag.evaluation.run import EvalOptions, evaluate

    plan = _plan(args, config)
    config = config.replace(index_dir=str(plan.index_dir))
    if args.generation_cache:
        config = config.replace(generation_cache=args.generation_cache)
    if make_pipeline is None:
        from rag.pipeline import Rag as make_pipeline
    pipeline = make_pipeline(config)
    _prepare_index(plan, pipeline)
    options = EvalOptions(retrieval_only=args.retrieval_only, cmrc=plan.cmrc)
    result = evaluate(plan.items, pipeline, plan.out_dir, options, _settings(config, plan, args))
    print(_summary(result))
    if result.interrupted:
        print(f"rag eval: interrupted: scored {len(result.results)} of {len(plan.items)} questions", file=sys.stderr)
        return 130
    return 0
