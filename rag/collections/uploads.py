"""The files people upload into a knowledge base: checked (type, size, name) before anything is
stored, copied into its uploads folder (`Config.uploads_dir`, by default `<index_dir>-uploads`, a
sibling of the index so that rebuilding the index never deletes them), indexed incrementally
(only new or changed files are embedded), and deleted again. The chat page and the HTTP API both
work through these; everything goes through the pipeline object."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import unicodedata
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Sequence

from rag.config import Config
from rag.errors import LoadError, RagError, RagIndexError


class UploadRefused(LoadError):
    """An upload refused before anything is stored; `zh` says it to the chat page's users (the
    API and the CLI keep the English message, which clients may parse)."""

    def __init__(self, message: str, zh: str):
        super().__init__(message)
        self.zh = zh


class UnsupportedType(UploadRefused):
    """An upload of a type the loader cannot read."""


class TooLarge(UploadRefused):
    """An upload over the size limit (setting max_file_mb)."""


class UnknownDocument(RagError):
    """No indexed document has this name."""


def uploads_dir(config: Config) -> Path:
    if config.uploads_dir:
        return Path(config.uploads_dir).expanduser()
    return Path(f"{Path(config.index_dir)}-uploads")


def supported_suffixes() -> frozenset[str]:
    from rag.ingest.load import SUPPORTED_SUFFIXES

    return frozenset(SUPPORTED_SUFFIXES)


def check_upload(path: Path, config: Config) -> None:
    """Refuse what the loader cannot take, with a message naming the file and the limit."""
    allowed = supported_suffixes()
    if path.suffix.lower() not in allowed:
        accepted = " ".join(sorted(allowed))
        raise UnsupportedType(
            f"{path.name}: file type {path.suffix or '(none)'} is not supported; upload one of {accepted}",
            f"{path.name}：不支持 {path.suffix or '无扩展名'} 类型的文件，可上传 {accepted}",
        )
    size_mb = path.stat().st_size / 1e6
    if size_mb > config.max_file_mb:
        raise TooLarge(
            f"{path.name}: {size_mb:.1f} MB is over the {config.max_file_mb:g} MB limit (setting max_file_mb)",
            f"{path.name}：{size_mb:.1f} MB，超过每个文件 {config.max_file_mb:g} MB 的上限（设置 max_file_mb）",
        )
    if size_mb == 0:
        raise UploadRefused(f"{path.name}: the file is empty", f"{path.name}：文件是空的")


def store_uploads(paths: Sequence[str | Path], config: Config, given: Sequence[str] | None = None) -> list[Path]:
    """Check every file first (all or nothing), then copy them into the uploads folder under a
    safe name (rag.knowledge.safe_file_name: any length, no control characters or separators).
    A file of the same name replaces the earlier one: re-indexing treats it as changed. `given`:
    the names the sender gave the files, where they arrive under others (default: their own); a
    name that had to change is kept as the document's title."""
    from rag.knowledge import safe_file_name

    files = [Path(p) for p in paths]
    names = []
    for file in files:
        check_upload(file, config)
        names.append(safe_file_name(file.name))  # never a path from the browser
        if not names[-1]:
            raise LoadError(f"upload {file.name!r}: give the file a name")
    folder = uploads_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    given = list(given) if given is not None else [file.name for file in files]
    _note_titles(folder, dict(zip(names, given, strict=True)))
    stored = []
    for file, name in zip(files, names, strict=True):
        target = folder / name
        if target.is_file():  # kept aside until the new one is read (index_uploads)
            _replaced(folder).mkdir(exist_ok=True)
            os.replace(target, _replaced(folder) / name)
        shutil.copyfile(file, target)
        stored.append(target)
    return stored


def _note_titles(folder: Path, names: dict[str, str]) -> None:
    """A file stored under a name other than its own keeps its own as its title (the loader reads
    the folder's TITLES file); a file stored under its own name drops an older entry."""
    from rag.ingest.load import TITLES

    path = folder / TITLES
    try:
        titles = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        titles = {}  # a damaged list of titles is written anew
    for stored, given in names.items():
        shown = "".join(c for c in given if unicodedata.category(c)[0] != "C")  # no control characters
        title = PurePosixPath(shown.replace("\\", "/")).stem.strip()
        if title and title != PurePosixPath(stored).stem:
            titles[stored] = title
        else:
            titles.pop(stored, None)
    if titles or path.is_file():
        staged = path.with_suffix(".tmp")
        staged.write_text(json.dumps(titles, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(staged, path)


def _replaced(folder: Path) -> Path:
    """Where a replaced upload waits while its successor is indexed (hidden: not a document)."""
    return folder / ".replaced"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def delete_document(rag: Any, doc: str) -> None:
    """Remove a document from the index; an uploaded copy is deleted too, or the next upload
    would index it again. A seed file elsewhere is left alone."""
    known = {d["doc"]: d for d in rag.documents()}
    if doc not in known:
        raise UnknownDocument(f"document {doc} is not in the index {rag.config.index_dir}")
    rag.remove(doc)
    copy = uploads_dir(rag.config) / doc
    if copy.is_file() and _sha256(copy) == known[doc].get("sha256"):
        copy.unlink()


def index_uploads(
    rag: Any,
    stored: Sequence[Path],
    progress: Callable[[str, int, int], None] | None = None,
    warn: Callable[[str], None] | None = None,
):
    """Index the uploads folder incrementally (`warn` hears each warning as it comes); returns the
    pipeline's report. A stored file the loader refused is deleted again, or, where it replaced
    an earlier upload, the earlier one is put back (the index kept its version), so the folder
    holds only what the index holds."""
    report = None
    try:
        report = rag.index([uploads_dir(rag.config)], progress=progress, warn=warn)
        return report
    finally:
        _settle(rag, stored, report)


def _settle(rag: Any, stored: Sequence[Path], report: Any) -> None:
    try:
        indexed = {d["doc"] for d in rag.documents()}
    except RagIndexError:
        indexed = set()
    unread = set(getattr(report, "unreadable", ())) if report is not None else {p.name for p in stored}
    for path in stored:
        earlier = _replaced(path.parent) / path.name
        if path.name in unread or path.name not in indexed:
            if earlier.is_file():
                os.replace(earlier, path)
            else:
                path.unlink(missing_ok=True)
        else:
            earlier.unlink(missing_ok=True)
