"""Building and updating an index incrementally.

Only new or changed documents are chunked and embedded; unchanged ones keep their chunks and
vectors, and any chunk whose indexed text was embedded before reuses that vector. A document
that was indexed from one of the given roots and is no longer found there is removed; documents
indexed from other roots are kept. The vector store (rag.index.vectors) publishes the new state
atomically: FAISS by a folder swap, Milvus by a revision flip (rag.index.milvus_store).
"""

from __future__ import annotations

import contextlib
import copy
import queue
import threading
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Iterator, Mapping, Sequence

import numpy as np

from rag.config import Config
from rag.errors import NoIndexError, RagIndexError
from rag.index import atomic
from rag.index.backend import VectorBackend
from rag.index.manifest import DocEntry, Manifest
from rag.index.sparse import terms_fingerprint
from rag.index.store import embed_key
from rag.index.vectors import load_index, make_vector_backend
from rag.ingest.chunk import chunk_document
from rag.types import Chunk, Document

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks: int = 0  # in the index after the update
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # files found but not read (their old version kept)
    embedded: int = 0  # chunks that went through the embedding model this time
    documents: int = 0
    index_dir: str = ""
    heard: Callable[[str], None] | None = field(default=None, repr=False, compare=False)  # hears each warning

    def warn(self, line: str) -> None:
        """A warning for the report, heard at once by `heard` (a job's live lines)."""
        self.warnings.append(line)
        if self.heard is not None:
            self.heard(line)

    def to_json(self) -> dict[str, Any]:
        return {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.name != "heard"}

    def summary(self) -> str:
        return (
            f"{self.documents} documents in {self.index_dir}: {self.added} added, {self.updated} updated, "
            f"{self.removed} removed, {self.unchanged} unchanged; {self.chunks} chunks "
            f"({self.embedded} embedded) in {self.seconds:.1f} s"
        )


@dataclass
class _Plan:
    """Per document: reuse the old chunks, or the chunks made anew and their entry."""

    reuse: dict[str, DocEntry] = field(default_factory=dict)
    fresh: dict[str, tuple[list[Chunk], DocEntry]] = field(default_factory=dict)
    rechunk: bool = False  # chunk settings changed: every document found is chunked anew


def update_index(
    paths: Sequence[str | Path],
    index_dir: Path,
    config: Config,
    embedder,
    rebuild: bool = False,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
) -> IndexReport:
    """Load the files under `paths`, then bring the index at `index_dir` up to date with them.
    Files are read and chunked in a second thread while the chunks already made are embedded.
    The loader's warnings end in the report, and reach `warn` as they come."""
    from rag.ingest.load import iter_documents

    warnings: list[str] = []
    unreadable: set[str] = set()

    def warned(line: str) -> None:
        warnings.append(line)
        if warn is not None:
            warn(line)

    def read(indexed: Mapping[str, str]) -> Iterable[Document]:
        return iter_documents(
            list(paths), config, warn=warned, progress=progress, unreadable=unreadable, indexed=indexed
        )

    roots = [Path(p).expanduser().resolve() for p in paths]
    report = update_documents(read, roots, index_dir, config, embedder, rebuild, progress, unreadable, warn)
    report.warnings[:0] = warnings
    return report


def update_documents(
    read: Callable[[Mapping[str, str]], Iterable[Document]],
    roots: Sequence[Path],
    index_dir: Path,
    config: Config,
    embedder,
    rebuild: bool = False,
    progress: Progress | None = None,
    unreadable: Collection[str] = (),
    warn: Callable[[str], None] | None = None,
) -> IndexReport:
    """The update itself, for the documents `read(indexed)` loads, where `indexed` gives the hash
    of every document whose chunks stand as they are (none on a rebuild or when the chunk
    settings changed), so that a file unchanged is not read again. `roots` scope the removals; a
    document whose file is in `unreadable`, filled as the documents are read, keeps its old
    version: bad input loses nothing. `warn` hears the update's own warnings as they come."""
    started, index_dir = time.perf_counter(), Path(index_dir)
    report = IndexReport(index_dir=str(index_dir), heard=warn)
    backend = make_vector_backend(config)
    with atomic.exclusive(index_dir):
        old = None if rebuild else _previous(backend, index_dir, config, embedder)
        revision = backend.revision(index_dir) + 1
        known = _Known(old)
        plan = _Plan()
        if old and not old.manifest.chunk_settings_match(config):
            plan.rechunk = True
            report.warn("chunking settings changed since the last build: every document is chunked again")
        standing = {d.doc: d.sha256 for d in old.manifest.documents} if old and not plan.rechunk else {}
        with _chunking(read(standing), old, config, revision, plan, report) as batches:
            _embed_all(batches, known, embedder, report, progress)
        _plan_removals(old, plan, roots, unreadable, report)
        if old is None and not plan.fresh:
            raise RagIndexError(
                f"nothing to index in {', '.join(map(str, roots)) or 'the given paths'}: "
                "add documents of a supported type (rag index --help)"
            )
        chunks, entries = _chunks(plan, old)
        if old is not None and not plan.fresh and not report.removed and _current(old):
            report.chunks, report.documents = len(old), len(entries)
            report.seconds = time.perf_counter() - started
            return report  # nothing changed: leave the index as it is
        _write(backend, index_dir, chunks, known, entries, config, embedder, revision, old)
    report.chunks, report.documents = len(chunks), len(entries)
    report.seconds = time.perf_counter() - started
    return report


def remove_documents(index_dir: Path, docs: Sequence[str], config: Config, embedder) -> IndexReport:
    """Drop the named documents (as `doc` names them) from the index; nothing is re-embedded."""
    started, index_dir = time.perf_counter(), Path(index_dir)
    report = IndexReport(index_dir=str(index_dir))
    backend = make_vector_backend(config)
    with atomic.exclusive(index_dir):
        old = _previous(backend, index_dir, config, embedder)
        if old is None:
            raise NoIndexError(f"no index at {index_dir}: run `rag index`")
        gone = set(docs)
        unknown = gone - {d.doc for d in old.manifest.documents}
        report.warnings += [f"{d}: not in the index" for d in sorted(unknown)]
        plan = _Plan(reuse={d.doc: d for d in old.manifest.documents if d.doc not in gone})
        report.removed = len(gone - unknown)
        report.unchanged = len(plan.reuse)
        chunks, entries = _chunks(plan, old)
        # the kept chunks were made with the recorded settings, so the record stays as it was
        _write(
            backend,
            index_dir,
            chunks,
            _Known(old),
            entries,
            config,
            embedder,
            backend.revision(index_dir) + 1,
            old,
            settings=old.manifest.config,
        )
    report.chunks, report.documents = len(chunks), len(entries)
    report.seconds = time.perf_counter() - started
    return report


def _previous(backend: VectorBackend, index_dir: Path, config: Config, embedder):
    if not backend.revision(index_dir):
        return None
    old = load_index(index_dir, config)
    old.check_embedder(embedder)
    return old


def _current(old) -> bool:
    return old.manifest.tokenizer == terms_fingerprint()


def _in_scope(path: str, roots: Sequence[Path]) -> bool:
    if not path:
        return False
    source = Path(path)
    return any(source == root or root in source.parents for root in roots)


@contextlib.contextmanager
def _chunking(docs: Iterable[Document], old, config: Config, revision: int, plan: _Plan, report: IndexReport):
    """Read, plan and chunk `docs` in a second thread; yields the fresh chunks, one document's
    list at a time. The model releases the GIL while it embeds, so reading the next files
    (cleaning, OCR, chunking) costs the embedding little."""
    handoff: queue.Queue = queue.Queue(maxsize=HANDOFF_DEPTH)
    stop = threading.Event()

    def produce() -> None:
        try:
            for part in _fresh_chunks(docs, old, config, revision, plan, report):
                if not _hand(handoff, part, stop):
                    return
            _hand(handoff, _DONE, stop)
        except BaseException as exc:  # re-raised in the embedding thread
            _hand(handoff, exc, stop)

    def parts() -> Iterator[list[Chunk]]:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item

    worker = threading.Thread(target=produce, name="rag-chunking", daemon=True)
    worker.start()
    try:
        yield parts()
    except BaseException:
        stop.set()  # the worker stops at the next document; an interrupt does not wait for it
        raise
    worker.join()


_DONE = object()
HANDOFF_DEPTH = 64  # documents chunked ahead of the embedding


def _hand(handoff: queue.Queue, item, stop: threading.Event) -> bool:
    """Put `item` on the queue unless the consumer has stopped; False when it has."""
    while not stop.is_set():
        try:
            handoff.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _fresh_chunks(
    docs: Iterable[Document], old, config: Config, revision: int, plan: _Plan, report: IndexReport
) -> Iterator[list[Chunk]]:
    """Decide per document whether its old chunks stand (same bytes, and plan.rechunk not set by
    changed chunk settings) or it is chunked anew; yield the new chunks."""
    before = {d.doc: d for d in old.manifest.documents} if old else {}
    for doc in docs:
        name, entry = doc.doc, before.get(doc.doc)
        if name in plan.reuse or name in plan.fresh:
            report.warn(f"{doc.path or name}: another file is also named {name}; kept the first")
        elif entry and entry.sha256 == doc.sha256 and not plan.rechunk:
            plan.reuse[name] = entry
            report.unchanged += 1
        else:
            part = list(chunk_document(doc, config))
            plan.fresh[name] = (
                part,
                DocEntry(name, doc.title, doc.sha256, doc.path, len(part), doc.date, doc.script, revision),
            )
            report.added += entry is None
            report.updated += entry is not None
            yield part


def _plan_removals(old, plan: _Plan, roots: Sequence[Path], unreadable: Collection[str], report: IndexReport) -> None:
    """An old document not found again is removed when it was indexed from one of `roots`, and
    kept (with its old chunks) when it came from elsewhere or its file is there but could not be
    read this time (a damaged replacement must not take the good version out of the index)."""
    report.unreadable = sorted(unreadable)
    for name, entry in ({d.doc: d for d in old.manifest.documents} if old else {}).items():
        if name in plan.reuse or name in plan.fresh:
            continue
        if name in unreadable:
            report.warn(f"{name}: could not be read this time; its indexed version was kept")
            plan.reuse[name] = entry
            report.unchanged += 1
            continue
        if _in_scope(entry.path, roots):
            report.removed += 1
            continue
        if plan.rechunk:
            report.warn(f"{entry.doc}: outside the given paths, kept with its old chunks")
        plan.reuse[name] = entry
        report.unchanged += 1


def _chunks(plan: _Plan, old) -> tuple[list[Chunk], list[DocEntry]]:
    """Chunks in document-name order (deterministic whatever order files were found in)."""
    chunks: list[Chunk] = []
    entries: list[DocEntry] = []
    kept = _old_chunks_by_doc(old) if plan.reuse else {}
    for name in sorted({*plan.reuse, *plan.fresh}):
        part, entry = (kept.get(name, []), plan.reuse[name]) if name in plan.reuse else plan.fresh[name]
        chunks += part
        entries.append(entry)
    return chunks, entries


def _old_chunks_by_doc(old) -> dict[str, list[Chunk]]:
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in old.store.chunks:
        by_doc.setdefault(chunk.doc, []).append(chunk)
    return by_doc


class _Known:
    """Vectors by what they embed: the new ones as they are embedded, the old index's read from its
    store only for the chunks a store has to write (an unchanged chunk text is not embedded again)."""

    def __init__(self, old) -> None:
        self.old = old
        self.new: dict[str, np.ndarray] = {}
        self.old_rows: dict[str, int] = {}
        for row, chunk in enumerate(old.store.chunks if old is not None else ()):
            self.old_rows.setdefault(embed_key(chunk), row)

    def __contains__(self, key: str) -> bool:
        return key in self.new or key in self.old_rows

    def update(self, vectors: dict[str, np.ndarray]) -> None:
        self.new.update(vectors)

    def vectors(self, chunks: Sequence[Chunk], dim: int) -> np.ndarray:
        """The vectors of `chunks` in their order."""
        keys = [embed_key(c) for c in chunks]
        reused = sorted({k for k in keys if k not in self.new})
        if reused:
            rows = np.array([self.old_rows[k] for k in reused], dtype=np.int64)
            self.new.update(zip(reused, self.old.dense.vectors(rows), strict=True))
        if not keys:
            return np.zeros((0, dim), np.float32)
        return np.stack([self.new[k] for k in keys]).astype(np.float32)


def _embed_all(
    parts: Iterable[list[Chunk]], known: _Known, embedder, report: IndexReport, progress: Progress | None
) -> None:
    """Embed every chunk text not in `known` as the chunks arrive, EMBED_WINDOW texts at a time
    (the embedder batches each window by length), adding the vectors to `known`."""
    pending: dict[str, str] = {}
    counts = {"done": 0, "total": 0}

    def flush() -> None:
        items = sorted(pending.items())
        tick = (lambda d, _t: progress("embed", counts["done"] + d, counts["total"])) if progress else None
        vectors = embedder.encode_documents([text for _, text in items], progress=tick)
        known.update({k: np.asarray(v, np.float32) for (k, _), v in zip(items, vectors, strict=True)})
        counts["done"] += len(items)
        pending.clear()

    for part in parts:
        for chunk in part:
            key = embed_key(chunk)
            if key not in known and key not in pending:
                pending[key] = chunk.index_text
                counts["total"] += 1
        if len(pending) >= EMBED_WINDOW:
            flush()
    if pending:
        flush()
    report.embedded = counts["done"]


EMBED_WINDOW = 256  # texts sorted by length together: enough to batch well, small enough to start early


def _write(
    backend: VectorBackend,
    index_dir: Path,
    chunks: list[Chunk],
    known: _Known,
    entries: list[DocEntry],
    config: Config,
    embedder,
    revision: int,
    old,
    settings: dict[str, Any] | None = None,
) -> None:
    dim = old.manifest.dim if old is not None else embedder.dim
    manifest = Manifest(
        embed_model=config.embed_model,
        embed_name=embedder.name,
        embed_fingerprint=embedder.fingerprint,
        dim=dim,
        tokenizer=terms_fingerprint(),
        dense_kind=backend.dense_kind(len(chunks)),
        chunk_count=len(chunks),
        documents=tuple(entries),
        embed_precision=embedder.precision,
        config=settings or config.public_dict(),
        revision=revision,
        vector_store=backend.name,
    )
    backend.publish(index_dir, manifest, chunks, lambda part: known.vectors(part, dim))
