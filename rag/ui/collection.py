"""The side panel's work: what the collection holds, taking uploads into it, deleting documents,
and which generators are installed. Everything goes through the pipeline object; nothing here
knows how an index is built.

Uploaded files are copied into the collection's uploads folder (`Config.uploads_dir`, by default
`<index_dir>-uploads`, a sibling of the index so that rebuilding the index never deletes them) and
that folder is indexed incrementally: only new or changed files are embedded.
"""

from __future__ import annotations

import hashlib
import html
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from rag.config import Config
from rag.errors import LoadError, NoIndexError, RagError, RagIndexError


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


@dataclass(frozen=True)
class DocSummary:
    doc: str
    title: str
    chunks: int
    sha256: str = ""


@dataclass(frozen=True)
class CollectionInfo:
    documents: tuple[DocSummary, ...]
    embed_model: str
    generator: str
    index_dir: str
    problem: str = ""  # why the index could not be read, shown instead of the list

    @property
    def chunks(self) -> int:
        return sum(d.chunks for d in self.documents)


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
        raise UnsupportedType(f"{path.name}: file type {path.suffix or '(none)'} is not supported; "
                              f"upload one of {accepted}",
                              f"{path.name}：不支持 {path.suffix or '无扩展名'} 类型的文件，可上传 {accepted}")
    size_mb = path.stat().st_size / 1e6
    if size_mb > config.max_file_mb:
        raise TooLarge(f"{path.name}: {size_mb:.1f} MB is over the {config.max_file_mb:g} MB limit "
                       "(setting max_file_mb)",
                       f"{path.name}：{size_mb:.1f} MB，超过每个文件 {config.max_file_mb:g} MB 的上限（设置 max_file_mb）")
    if size_mb == 0:
        raise UploadRefused(f"{path.name}: the file is empty", f"{path.name}：文件是空的")


def store_uploads(paths: Sequence[str | Path], config: Config) -> list[Path]:
    """Check every file first (all or nothing), then copy them into the uploads folder under a
    safe name (rag.knowledge.safe_file_name: any length, no control characters or separators).
    A file of the same name replaces the earlier one: re-indexing treats it as changed."""
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
    stored = []
    for file, name in zip(files, names):
        target = folder / name
        shutil.copyfile(file, target)
        stored.append(target)
    return stored


EMPTY = "还没有文档：上传文件即可建立索引"


def collection_info(rag: Any, generator: str) -> CollectionInfo:
    """The documents in the index, or an empty collection with the reason when there is none."""
    config = rag.config
    try:
        docs = tuple(DocSummary(d["doc"], d.get("title", ""), int(d.get("chunks", 0)), d.get("sha256", ""))
                     for d in rag.documents())
        problem = ""
    except NoIndexError:
        docs, problem = (), EMPTY
    except RagIndexError as exc:
        docs, problem = (), str(exc)
    return CollectionInfo(docs, config.embed_model, generator, str(config.index_dir), problem)


def collection_html(info: CollectionInfo) -> str:
    e = html.escape
    head = (f'<div class="rag-coll-stats"><b>{len(info.documents)}</b> 篇文档 · <b>{info.chunks}</b> 个段落</div>'
            f'<div class="rag-coll-models">嵌入模型 <code>{e(info.embed_model)}</code><br>'
            f'生成模型 <code>{e(info.generator)}</code></div>')
    if info.problem:
        return f'<div class="rag-coll">{head}<div class="rag-coll-empty">{e(info.problem)}</div></div>'
    rows = "".join(f'<li title="{e(d.doc)}"><span class="rag-coll-title">{e(d.title or d.doc)}</span>'
                   f'<span class="rag-coll-chunks" title="索引段落数">{d.chunks} 段</span></li>' for d in info.documents)
    return f'<div class="rag-coll">{head}<ul class="rag-coll-docs">{rows}</ul></div>'


def document_choices(info: CollectionInfo) -> list[tuple[str, str]]:
    """(label, doc) pairs for the delete drop-down."""
    return [(f"{d.title or d.doc} ({d.doc})", d.doc) for d in info.documents]


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


def index_uploads(rag: Any, stored: Sequence[Path],
                  progress: Callable[[str, int, int], None] | None = None):
    """Index the uploads folder incrementally; returns the pipeline's report. Stored files the
    loader refused are deleted again, so the folder holds only what the index holds."""
    try:
        return rag.index([uploads_dir(rag.config)], progress=progress)
    finally:
        _drop_unindexed(rag, stored)


def _drop_unindexed(rag: Any, stored: Sequence[Path]) -> None:
    try:
        indexed = {d["doc"] for d in rag.documents()}
    except RagIndexError:
        indexed = set()
    for path in stored:
        if path.name not in indexed:
            path.unlink(missing_ok=True)


def installed_generators(config: Config) -> list[str]:
    """Registry generators present in the model cache, plus the configured one if it is custom."""
    from rag.models.registry import GENERATORS, model_path

    names = [name for name in GENERATORS if model_path(name, config).exists()]
    if config.generator not in names:
        names.insert(0, config.generator)
    return names


def report_text(report: Any, files: Iterable[Path]) -> str:
    """One line on what an upload changed, from the index update report."""
    names = ", ".join(p.name for p in files)
    counts = [f"{label} {getattr(report, attr, 0)}" for attr, label in
              (("added", "新增"), ("updated", "更新"), ("unchanged", "未变"))]
    warnings = getattr(report, "warnings", ()) or ()
    tail = f"；警告：{'；'.join(warnings)}" if warnings else ""
    if warnings and not (getattr(report, "added", 0) or getattr(report, "updated", 0)):
        return f"⚠ 未索引 {names}：{'；'.join(warnings)}"  # the loader skipped them (binary, empty...)
    return f"已索引 {names}：{'，'.join(counts)}{tail}"


class ProgressText:
    """Feeds an indexing progress callback (stage, done, total) to a Gradio progress bar, with
    chunks per second and the time left, as `rag index` shows them."""

    def __init__(self, bar: Callable[..., Any], clock: Callable[[], float] = time.monotonic):
        self.bar, self.clock = bar, clock
        self.first: dict[str, tuple[float, int]] = {}  # per stage: OCR of each file, embedding

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        first = self.first.setdefault(stage, (now, done))  # each rate is measured from its first report on
        elapsed, counted = now - first[0], done - first[1]
        text = f"{stage} {done}/{total}"
        if counted > 0 and elapsed > 0:
            rate = counted / elapsed
            unit = "页" if stage.startswith("ocr") else "块"
            text += f" · {rate:.1f} {unit}/秒 · 剩余约 {max(total - done, 0) / rate:.0f} 秒"
        self.bar(done / max(total, 1), desc=text)
