"""Building and updating an index incrementally.

Only new or changed documents are chunked and embedded; unchanged ones keep their chunks and
vectors, and any chunk whose indexed text was embedded before reuses that vector. A document
that was indexed from one of the given roots and is no longer found there is removed; documents
indexed from other roots are kept. The vector store (rag.index.vectors) publishes the new state
atomically: FAISS by a folder swap, Milvus by a revision flip (rag.index.milvus_store).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from rag.config import Config
from rag.errors import RagIndexError
from rag.index import atomic
from rag.index.loaded import load_index
from rag.index.manifest import DocEntry, Manifest
from rag.index.sparse import terms_fingerprint
from rag.index.store import embed_key
from rag.index.vectors import VectorBackend, make_vector_backend
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
    embedded: int = 0  # chunks that went through the embedding model this time
    documents: int = 0
    index_dir: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return (f"{self.documents} documents in {self.index_dir}: {self.added} added, {self.updated} updated, "
                f"{self.removed} removed, {self.unchanged} unchanged; {self.chunks} chunks "
                f"({self.embedded} embedded) in {self.seconds:.1f} s")


@dataclass
class _Plan:
    """Per document: reuse the old chunks, or chunk this Document anew."""
    reuse: dict[str, DocEntry] = field(default_factory=dict)
    fresh: dict[str, Document] = field(default_factory=dict)


def update_index(paths: Sequence[str | Path], index_dir: Path, config: Config, embedder,
                 rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
    """Load the files under `paths`, then bring the index at `index_dir` up to date with them."""
    from rag.ingest.load import load_paths

    warnings: list[str] = []
    docs = load_paths(list(paths), config, warn=warnings.append)
    roots = [Path(p).expanduser().resolve() for p in paths]
    report = update_documents(docs, roots, index_dir, config, embedder, rebuild, progress)
    report.warnings[:0] = warnings
    return report


def update_documents(docs: Sequence[Document], roots: Sequence[Path], index_dir: Path, config: Config,
                     embedder, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
    """The update itself, for documents already loaded (`roots` scope the removals)."""
    started, index_dir = time.perf_counter(), Path(index_dir)
    report = IndexReport(index_dir=str(index_dir))
    backend = make_vector_backend(config)
    with atomic.exclusive(index_dir):
        old = None if rebuild else _previous(backend, index_dir, config, embedder)
        plan = _plan(old, _unique(docs, report), roots, config, report)
        if old is None and not plan.fresh:
            raise RagIndexError(f"nothing to index in {', '.join(map(str, roots)) or 'the given paths'}: "
                                "add .txt, .md, .html, .pdf or .docx files")
        revision = backend.revision(index_dir) + 1
        chunks, entries = _chunks(plan, old, config, revision)
        if old is not None and not plan.fresh and not report.removed and _current(old):
            report.chunks, report.documents = len(old), len(entries)
            report.seconds = time.perf_counter() - started
            return report  # nothing changed: leave the index as it is
        vectors_for = _vector_source(old, embedder, report, progress)
        _write(backend, index_dir, chunks, vectors_for, entries, config, embedder, revision, old)
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
            raise RagIndexError(f"no index at {index_dir}: run `rag index`")
        gone = set(docs)
        unknown = gone - {d.doc for d in old.manifest.documents}
        report.warnings += [f"{d}: not in the index" for d in sorted(unknown)]
        plan = _Plan(reuse={d.doc: d for d in old.manifest.documents if d.doc not in gone})
        report.removed = len(gone - unknown)
        report.unchanged = len(plan.reuse)
        revision = backend.revision(index_dir) + 1
        chunks, entries = _chunks(plan, old, config, revision)
        vectors_for = _vector_source(old, embedder, report, None)
        # the kept chunks were made with the recorded settings, so the record stays as it was
        _write(backend, index_dir, chunks, vectors_for, entries, config, embedder, revision, old,
               settings=old.manifest.config)
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


def _unique(docs: Sequence[Document], report: IndexReport) -> dict[str, Document]:
    out: dict[str, Document] = {}
    for doc in docs:
        if doc.doc in out:
            report.warnings.append(f"{doc.path or doc.doc}: another file is also named {doc.doc}; kept the first")
            continue
        out[doc.doc] = doc
    return out


def _in_scope(path: str, roots: Sequence[Path]) -> bool:
    if not path:
        return False
    source = Path(path)
    return any(source == root or root in source.parents for root in roots)


def _plan(old, docs: dict[str, Document], roots: Sequence[Path], config: Config, report: IndexReport) -> _Plan:
    plan = _Plan()
    before = {d.doc: d for d in old.manifest.documents} if old else {}
    rechunk = bool(old) and not old.manifest.chunk_settings_match(config)
    if rechunk:
        report.warnings.append("chunking settings changed since the last build: every document is chunked again")
    for name, doc in docs.items():
        entry = before.get(name)
        if entry and entry.sha256 == doc.sha256 and not rechunk:
            plan.reuse[name] = entry
            report.unchanged += 1
        else:
            plan.fresh[name] = doc
            report.added += entry is None
            report.updated += entry is not None
    for name, entry in before.items():
        if name in docs:
            continue
        if _in_scope(entry.path, roots):
            report.removed += 1
            continue
        if rechunk:
            report.warnings.append(f"{entry.doc}: outside the given paths, kept with its old chunks")
        plan.reuse[name] = entry
        report.unchanged += 1
    return plan


def _chunks(plan: _Plan, old, config: Config, revision: int) -> tuple[list[Chunk], list[DocEntry]]:
    """Chunks in document-name order (deterministic whatever order files were found in)."""
    chunks: list[Chunk] = []
    entries: list[DocEntry] = []
    kept = _old_chunks_by_doc(old) if plan.reuse else {}
    for name in sorted({*plan.reuse, *plan.fresh}):
        if name in plan.reuse:
            part, entry = kept.get(name, []), plan.reuse[name]
        else:
            part, entry = _chunk_fresh(plan.fresh[name], config, revision)
        chunks += part
        entries.append(entry)
    return chunks, entries


def _chunk_fresh(doc: Document, config: Config, revision: int) -> tuple[list[Chunk], DocEntry]:
    from rag.ingest.chunk import chunk_document

    part = list(chunk_document(doc, config))
    return part, DocEntry(doc.doc, doc.title, doc.sha256, doc.path, len(part), doc.date, doc.script, revision)


def _old_chunks_by_doc(old) -> dict[str, list[Chunk]]:
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in old.store.chunks:
        by_doc.setdefault(chunk.doc, []).append(chunk)
    return by_doc


def _vector_source(old, embedder, report: IndexReport, progress: Progress | None):
    """The vectors of given chunks: reused wherever the old index holds one for the same indexed
    text, embedded otherwise (a store asks only for the chunks it has to write)."""
    def vectors_for(chunks) -> np.ndarray:
        keys = [embed_key(c) for c in chunks]
        known = _reusable(old, set(keys))
        todo = sorted({k: c.index_text for k, c in zip(keys, chunks) if k not in known}.items())
        if todo:
            tick = (lambda done, total: progress("embed", done, total)) if progress else None
            fresh = embedder.encode_documents([text for _, text in todo], progress=tick)
            known.update({k: np.asarray(v, np.float32) for (k, _), v in zip(todo, fresh)})
            report.embedded += len(todo)
        if not keys:
            return np.zeros((0, old.manifest.dim if old is not None else embedder.dim), np.float32)
        return np.stack([known[k] for k in keys]).astype(np.float32)
    return vectors_for


def _reusable(old, wanted: set[str]) -> dict[str, np.ndarray]:
    if old is None or not len(old) or not wanted:
        return {}
    rows: dict[str, int] = {}
    for i, chunk in enumerate(old.store.chunks):
        key = embed_key(chunk)
        if key in wanted:
            rows.setdefault(key, i)
    if not rows:
        return {}
    vectors = old.dense.vectors(np.array(list(rows.values()), dtype=np.int64))
    return dict(zip(rows, vectors))


def _write(backend: VectorBackend, index_dir: Path, chunks: list[Chunk], vectors_for, entries: list[DocEntry],
           config: Config, embedder, revision: int, old, settings: dict[str, Any] | None = None) -> None:
    dim = old.manifest.dim if old is not None else embedder.dim
    manifest = Manifest(embed_model=config.embed_model, embed_name=embedder.name,
                        embed_fingerprint=embedder.fingerprint, dim=dim, tokenizer=terms_fingerprint(),
                        dense_kind=backend.dense_kind(len(chunks)), chunk_count=len(chunks),
                        documents=tuple(entries), embed_precision=embedder.precision,
                        config=settings or config.public_dict(), revision=revision,
                        vector_store=backend.name)
    backend.publish(index_dir, manifest, chunks, vectors_for)
