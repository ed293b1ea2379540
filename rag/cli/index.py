"""`rag index [PATH ...] [--index DIR] [--rebuild] [--lexicons NAMES]`: build or incrementally update an index."""

from __future__ import annotations

import sys
import threading

from rag.cli.options import add_kb

DEFAULT_PATHS = ("seeds/",)


def register(sub) -> None:
    p = sub.add_parser("index", help="build or update an index from files and folders (incremental)",
                       description="Index .txt/.md/.html/.pdf/.docx/.xlsx/.csv/.pptx files and images "
                                   "(.png/.jpg/.jpeg/.tif/.bmp, read by OCR, as are scanned PDF pages). Only new "
                                   "or changed documents are embedded; documents deleted from the given folders "
                                   "are removed.")
    p.add_argument("paths", nargs="*", metavar="PATH", help=f"files or folders (default: {DEFAULT_PATHS[0]})")
    add_kb(p)
    p.add_argument("--index", metavar="DIR", help="index folder (default: index_dir, indexes/default)")
    p.add_argument("--rebuild", action="store_true", help="start over instead of updating")
    p.add_argument("--lexicons", metavar="NAMES",
                   help="domain dictionaries this collection opts into, comma-separated (shipped: "
                        "poverty-alleviation; or a jieba dictionary file); kept with the index")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(run=run)


def run(args, config) -> int:
    import json

    from rag.pipeline import Rag

    if args.index:
        config = config.replace(index_dir=args.index)
    if args.lexicons is not None:
        config = config.replace(lexicons=args.lexicons)
    with ProgressBar() as bar:
        report = Rag(config).index(args.paths or list(DEFAULT_PATHS), rebuild=args.rebuild, progress=bar)
    for warning in report.warnings:
        print(f"rag: warning: {warning}", file=sys.stderr)
    print(json.dumps(report.to_json(), ensure_ascii=False) if args.json else report.summary())
    return 0


class ProgressBar:
    """tqdm bars on stderr for the slow stages, which run at the same time: OCR of a file's pages
    ("ocr <doc>", in pages) in the thread that reads the files, and embedding (in chunks, its total
    growing as chunks arrive) in the main one."""

    def __enter__(self):
        self._bars: dict[str, list] = {}  # kind -> [tqdm bar, stage, total] (a disabled bar keeps neither)
        self._lock = threading.Lock()
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        kind = "ocr" if stage.startswith("ocr") else stage
        with self._lock:
            if kind not in self._bars:
                bar = tqdm(total=total, desc=stage, unit="page" if kind == "ocr" else "chunk", file=sys.stderr,
                           leave=False, disable=None)  # None: no bar when stderr is not a terminal
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
