"""`rag ask QUESTION [--index DIR] [--json] [--mode generate|extract] [-k N] [--generator NAME]`:
stream the answer, then print the passages it cites (or, for a refusal, the closest ones)."""

from __future__ import annotations

import argparse
import json
import sys

from rag.answer.prompt import language_of
from rag.cli.options import add_kb

MODES = ("generate", "extract")
SHOWN_RELATED = 3  # closest passages listed under a refusal
BOLD, PLAIN = "\033[1;4m", "\033[0m"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ask",
        help="answer a question from the indexed documents, citing numbered passages",
        description="Answer QUESTION from the index; every claim cites a passage, or the answer "
        "says the documents do not hold it.",
    )
    parser.add_argument("question", help="the question, in Chinese (either script) or English")
    add_kb(parser)
    parser.add_argument("--index", metavar="DIR", help="index folder (default: the 'index_dir' setting)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of streaming")
    parser.add_argument("--mode", choices=MODES, help="generate (default) or extract (no model, instant)")
    parser.add_argument("-k", type=int, metavar="N", help="passages to retrieve and put in the prompt")
    parser.add_argument("--generator", metavar="NAME", help="generator model: registry name, .gguf path or id")
    parser.set_defaults(run=run)


def _configured(args: argparse.Namespace, config):
    changes = {"index_dir": args.index, "generator": args.generator, "answer_mode": args.mode}
    if args.k is not None:
        if args.k < 1:
            from rag.errors import ConfigError

            raise ConfigError(f"-k must be at least 1, got {args.k}")
        changes.update(top_k=args.k, context_chunks=args.k)
    return config.replace(**{k: v for k, v in changes.items() if v is not None})


def run(args: argparse.Namespace, config) -> int:
    from rag.pipeline import Rag

    rag = Rag(_configured(args, config))
    if args.json:
        answer = rag.ask(args.question)
        print(json.dumps(answer.to_json(), ensure_ascii=False))
        return 0
    english = language_of(args.question) == "en"
    answer = rag.ask(args.question, on_token=_write, on_sources=lambda passages: _reading(passages, english))
    print(flush=True)
    _print_sources(answer, sys.stdout.isatty())
    return 0


def _reading(passages, english: bool) -> None:
    """The passages being read, as soon as they are found, on stderr (stdout is the answer):
    the model takes seconds more, and the reader sees at once where the answer will come from."""
    lines = [_heading(f"  ({p.n})", p.chunk, english) for p in passages]
    print("Reading:" if english else "正在阅读：", *lines, sep="\n", file=sys.stderr, flush=True)


def _write(piece: str) -> None:
    sys.stdout.write(piece)
    sys.stdout.flush()


def _marked(text: str, spans, tty: bool) -> str:
    """The passage with its supporting spans set off: bold on a terminal, 【】 otherwise."""
    start_mark, end_mark = (BOLD, PLAIN) if tty else ("【", "】")
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], start_mark, text[start:end], end_mark]
        last = end
    return "".join(out + [text[last:]])


def _heading(label: str, chunk, english: bool) -> str:
    where = " > ".join(part for part in (chunk.title, chunk.section) if part)
    place = chunk.where(english)
    return f"{label} {where} ({chunk.doc}{', ' + place if place else ''})"


def _print_sources(answer, tty: bool) -> None:
    english = language_of(answer.question) == "en"
    if answer.refused:
        related = answer.hits[:SHOWN_RELATED]
        if related:
            print("\nPossibly related passages:" if english else "\n可能相关的段落：")
        for hit in related:
            print(_heading(f"({hit.rank})", hit.chunk, english))
            print(f"    {hit.chunk.text.strip()}")
        return
    if answer.citations:
        print()
    for citation in answer.citations:
        print(_heading(f"[{citation.n}]", citation.chunk, english))
        print(f"    {_marked(citation.chunk.text, citation.spans, tty).strip()}")
