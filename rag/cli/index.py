"""`rag index [PATH ...] [--index DIR] [--rebuild] [--lexicons NAMES]`: build or incrementally update an index."""

from __future__ import annotations

import sys

from rag.cli.options import add_kb

DEFAULT_PATHS = ("seeds/",)


def register(sub) -> None:
    p = sub.add_parser("index", help="build or update an index from files and folders (incremental)",
                       description="Index .txt/.md/.html/.pdf/.docx files. Only new or changed documents are "
                                   "embedded; documents deleted from the given folders are removed.")
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
    """A tqdm bar on stderr for the embedding stage, the only slow one."""

    def __enter__(self):
        self._bar = None
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if self._bar is None:
            self._bar = tqdm(total=total, desc=stage, unit="chunk", file=sys.stderr, leave=False,
                             disable=None)  # None: no bar when stderr is not a terminal
        self._bar.update(done - self._bar.n)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.close()
