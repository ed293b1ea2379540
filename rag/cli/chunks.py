"""`rag chunks FILE [--json]`: show how a file is cleaned and chunked, i.e. what the index will hold."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "chunks",
        help="show the chunks (with section paths) that indexing a file would make",
        description="Load, clean and chunk files exactly as `rag index` does, and print the chunks.",
    )
    parser.add_argument("paths", nargs="+", metavar="FILE", help="a document, or a folder of them")
    parser.add_argument("--json", action="store_true", help="print a JSON list of chunk objects")
    parser.add_argument("--outline", action="store_true", help="print only the section outline")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, config) -> int:
    from rag.ingest.chunk import chunk_document
    from rag.ingest.load import load_file, load_paths

    docs = []
    for path in map(Path, args.paths):
        # a file named directly must load (its problem is the user's error); a folder warns and goes on
        docs += [load_file(path, path.name, config)] if path.is_file() else load_paths([path], config)
    chunked = [(doc, chunk_document(doc, config)) for doc in docs]
    if args.json:
        output = json.dumps([c.to_json() for _, chunks in chunked for c in chunks], ensure_ascii=False, indent=2)
    else:
        output = "\n\n".join(_describe(doc, chunks, outline=args.outline) for doc, chunks in chunked)
    try:
        print(output)
        sys.stdout.flush()
    except BrokenPipeError:  # `rag chunks FILE | head` stopped reading: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _describe(doc, chunks, outline: bool) -> str:
    facts = [
        doc.title,
        doc.date,
        doc.source,
        doc.script,
        f"{len(doc.pages)} pages" if doc.pages else "",
        "OCR" if doc.ocr else "",
        f"{len(chunks)} chunks",
    ]
    lines = [f"{doc.doc}: " + " | ".join(f for f in facts if f)]
    if outline:
        return "\n".join(lines + _outline(chunks))
    for n, chunk in enumerate(chunks, 1):
        place = chunk.page_label()  # the date and source are the document's, in its header line
        lines.append(f"\n[{n}] {chunk.section or '(before the first heading)'}{'  ' + place if place else ''}")
        lines.append(f"    chars {chunk.start}-{chunk.end} ({len(chunk.text)}), id {chunk.id}")
        lines += ["    " + line for line in chunk.text.split("\n") if line]
    return "\n".join(lines)


def _outline(chunks) -> list[str]:
    """The section tree, indented, each heading once, with its pages, the number of chunks under
    it and the table rows it holds (rag.ingest.tables' `header：value，…` lines)."""
    counts: dict[tuple[str, ...], int] = {}
    pages: dict[tuple[str, ...], set[int]] = {}
    rows: dict[tuple[str, ...], set[str]] = {}
    for chunk in chunks:
        path = tuple(chunk.section.split(" > ")) if chunk.section else ("(before the first heading)",)
        for depth in range(1, len(path)):
            counts.setdefault(path[:depth], 0)  # a heading is listed before what it holds
        counts[path] = counts.get(path, 0) + 1
        if chunk.page:
            pages.setdefault(path, set()).update(range(chunk.page, (chunk.page_end or chunk.page) + 1))
        rows.setdefault(path, set()).update(line for line in chunk.text.split("\n") if _ROW.fullmatch(line))
    out = []
    for path, n in counts.items():
        facts = [
            _pages(pages.get(path, set())),
            f"{n} chunk{'s' if n > 1 else ''}" if n else "",
            _rows(len(rows.get(path, ()))),
        ]
        out.append(f"{'  ' * len(path)}{path[-1]}  [{', '.join(f for f in facts if f)}]")
    return out


_ROW = re.compile(r"[^：，\n]{1,40}：[^，\n]*(?:，[^：，\n]{1,40}：[^，\n]*)+")


def _pages(found: set[int]) -> str:
    if not found:
        return ""
    first, last = min(found), max(found)
    return f"第{first}页" if first == last else f"第{first}-{last}页"


def _rows(n: int) -> str:
    return f"表格 {n} 行" if n else ""
