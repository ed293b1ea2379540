"""`rag index [PATH ...] [--index DIR] [--rebuild] [--lexicons NAMES] [--watch]`: build or incrementally
update an index, and with --watch keep it in step with its folders."""

from __future__ import annotations

import sys
import threading

from rag.cli.options import add_kb

DEFAULT_PATHS = ("seeds/",)


def register(sub) -> None:
    p = sub.add_parser(
        "index",
        help="build or update an index from files and folders (incremental)",
        description="Index .txt/.md/.html/.pdf/.docx/.xlsx/.csv/.pptx files and images "
        "(.png/.jpg/.jpeg/.tif/.bmp, read by OCR, as are scanned PDF pages). Only new "
        "or changed documents are embedded; documents deleted from the given folders "
        "are removed.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help=f"files or folders (default: {DEFAULT_PATHS[0]})")
    add_kb(p)
    p.add_argument("--index", metavar="DIR", help="index folder (default: index_dir, indexes/default)")
    p.add_argument("--rebuild", action="store_true", help="start over instead of updating")
    p.add_argument(
        "--lexicons",
        metavar="NAMES",
        help="domain dictionaries this collection opts into, comma-separated (shipped: "
        "poverty-alleviation; or a jieba dictionary file); kept with the index",
    )
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument(
        "--watch",
        action="store_true",
        help="then keep watching the folders: a few seconds after files change, are added or "
        "removed (and have stopped changing), bring the index up to date; Ctrl-C stops",
    )
    p.add_argument(
        "--depth",
        type=int,
        default=0,
        metavar="N",
        help="for web addresses among the PATHs: follow links within the site N clicks deep "
        "(default 0: the pages given; a sitemap gives its pages)",
    )
    p.add_argument("--max-pages", type=int, default=200, metavar="N", help="web pages fetched at most (default 200)")
    p.set_defaults(run=run)


def run(args, config) -> int:
    from rag.pipeline import Rag

    if args.index:
        config = config.replace(index_dir=args.index)
    if args.lexicons is not None:
        config = config.replace(lexicons=args.lexicons)
    rag, paths = Rag(config), args.paths or list(DEFAULT_PATHS)
    paths = _fetch_pages(paths, config, args.depth, args.max_pages)
    with ProgressBar() as bar:
        report = rag.index(paths, rebuild=args.rebuild, progress=bar)
    _print_report(report, args.json)
    if args.watch:
        _watch(rag, paths, args.json)
    return 0


def _fetch_pages(paths: list[str], config, depth: int, max_pages: int) -> list[str]:
    """Web addresses among the paths are crawled into the index's web folder, which is indexed in
    their place (rag.collections.web)."""
    from rag.collections.web import crawl, is_url, web_dir

    urls = [p for p in paths if is_url(p)]
    if not urls:
        return paths
    folder = web_dir(config)
    result = crawl(urls, folder, depth=depth, max_pages=max_pages, max_page_mb=config.max_file_mb)
    for url, why in result.skipped:
        print(f"rag: warning: skipped {url}: {why}", file=sys.stderr)
    print(result.summary(), file=sys.stderr, flush=True)
    return [p for p in paths if not is_url(p)] + [str(folder)]


def _print_report(report, as_json: bool) -> None:
    import json

    for warning in report.warnings:
        print(f"rag: warning: {warning}", file=sys.stderr)
    print(json.dumps(report.to_json(), ensure_ascii=False) if as_json else report.summary(), flush=True)


def _watch(rag, paths, as_json: bool) -> None:
    """Watch the folders given (a file's folder for a file) until Ctrl-C, one line per update."""
    import json
    from pathlib import Path

    from rag.collections.watch import watch

    folders = sorted({p if p.is_dir() else p.parent for p in (Path(x).expanduser() for x in paths)})
    print(f"rag: watching {', '.join(map(str, folders))} (Ctrl-C stops)", file=sys.stderr, flush=True)

    def report(sync) -> None:
        if sync.error:
            print(
                f"rag: error: update after {len(sync.changed)} changes failed, the index is as it was: {sync.error}",
                file=sys.stderr,
                flush=True,
            )
            return
        for warning in sync.warnings:
            print(f"rag: warning: {warning}", file=sys.stderr)
        print(json.dumps(sync.to_json(), ensure_ascii=False) if as_json else sync.summary, flush=True)

    watch(folders, lambda: rag.index(paths), report)


UNITS = {"ocr": "page", "read": "file"}  # a stage's unit; the embedding's is the chunk


class ProgressBar:
    """tqdm bars on stderr for the slow stages, which run at the same time: reading the files
    ("read", in files) and OCR of a file's pages ("ocr <doc>", in pages) in the thread that reads
    them, and embedding (in chunks, its total growing as chunks arrive) in the main one."""

    def __enter__(self) -> ProgressBar:
        self._bars: dict[str, list] = {}  # kind -> [tqdm bar, stage, total] (a disabled bar keeps neither)
        self._lock = threading.Lock()
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        kind = "ocr" if stage.startswith("ocr") else stage
        with self._lock:
            if kind not in self._bars:
                bar = tqdm(
                    total=total, desc=stage, unit=UNITS.get(kind, "chunk"), file=sys.stderr, leave=False, disable=None
                )  # None: no bar when stderr is not a terminal
                self._bars[kind] = [bar, stage, total]
            bar, shown, known = self._bars[kind]
            if stage != shown:  # the next file's pages
                bar.reset(total=total)
                bar.set_description(stage)
            elif total != known:
                bar.total = total
            self._bars[kind][1:] = [stage, total]
            bar.update(done - bar.n)
            if kind == "ocr" and done >= total:  # the file is read: its bar goes, the embedding's stays
                bar.close()
                del self._bars[kind]

    def __exit__(self, *exc) -> None:
        for bar, _, _ in self._bars.values():
            bar.close()
