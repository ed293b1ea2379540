"""The `milvus` vector store: one Milvus collection per knowledge base, shared by every replica.

A row per chunk: primary key `<chunk id>:<revision>` (the chunk id qualified by the build that
wrote it, so a rewrite never overwrites a row that is being searched), the chunk's fields, and
its unit vector (inner product = cosine; FLAT on Milvus Lite, HNSW or AUTOINDEX on a server).

A build publishes revision R+1 in three steps, so a crash anywhere leaves a searchable state:
  1. insert the rows of new and changed documents with revision R+1 (the live manifest still
     names R; searches filter `revision <= R` and skip rows their manifest does not list);
  2. store manifest R+1 and upsert the one `current` row to R+1 (rag.index.milvus_meta): the flip;
  3. delete the rows the new manifest no longer lists (older revisions of touched documents).
A crash before 2 leaves rows of R+1 that the next build deletes first; a crash between 2 and 3
leaves older rows that searches skip and the next build deletes (the manifest lists the documents
it touched). The index folder caches the chunk texts and BM25 side of the current revision, so a
replica builds BM25 once per revision from the rows Milvus holds.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

from rag.config import Config
from rag.errors import NoIndexError, RagIndexError
from rag.index import atomic
from rag.index.backend import VectorsFor
from rag.index.loaded import Index, read_parts
from rag.index.manifest import MANIFEST_FILE, Manifest
from rag.index.milvus_client import collection_name, connect, is_lite, loaded, milvus_errors
from rag.index.milvus_meta import CLEANED, Manifests
from rag.index.milvus_rows import MilvusVectors, create_collection, read_chunks, vector_dim, write_rows
from rag.index.sparse import SparseIndex
from rag.index.store import ChunkStore
from rag.types import Chunk

INDEX_TYPES = ("auto", "FLAT", "HNSW", "AUTOINDEX")
DELETE_BATCH = 500  # documents per delete expression


class MilvusBackend:
    name = "milvus"

    def __init__(self, config: Config):
        self.config = config
        self.uri = config.milvus_uri
        if config.milvus_index not in INDEX_TYPES:
            from rag.errors import ConfigError

            raise ConfigError(
                f"setting 'milvus_index' is '{config.milvus_index}'; valid choices: {', '.join(INDEX_TYPES)}"
            )

    @property
    def index_type(self) -> str:
        wanted = self.config.milvus_index
        return ("FLAT" if is_lite(self.uri) else "HNSW") if wanted == "auto" else wanted

    def where(self, folder: Path) -> str:
        return f"collection {collection_name(folder, self.config)} in Milvus at {self.uri}"

    def dense_kind(self, count: int) -> str:
        return f"milvus-{self.index_type}"

    def _client(self):
        return connect(self.config)

    def revision(self, folder: Path) -> int:
        client = self._client()
        with milvus_errors(self.uri, "read the manifest"):
            return Manifests(client, self.uri).revision(collection_name(folder, self.config))

    def drop(self, folder: Path) -> None:
        kb, client = collection_name(folder, self.config), self._client()
        with milvus_errors(self.uri, f"delete {kb}"):
            manifests = Manifests(client, self.uri)
            revision = manifests.revision(kb)
            collection = manifests.load(kb, revision).collection if revision else kb
            manifests.forget(kb)  # first: a knowledge base without a current revision is gone
            for name in {collection, kb}:
                if client.has_collection(name):
                    client.drop_collection(name)

    # --- searching ------------------------------------------------------------------------------
    def load(self, folder: Path) -> Index:
        kb, client = collection_name(folder, self.config), self._client()
        with milvus_errors(self.uri, f"open {kb}"):
            manifests = Manifests(client, self.uri)
            revision = manifests.revision(kb)
            if not revision:
                raise NoIndexError(
                    f"no index {kb} in Milvus at {self.uri}: run `rag index --index {folder}` "
                    'with vector_store = "milvus"'
                )
            cached = _cached(folder, revision)
            manifest = cached or manifests.load(kb, revision)
            self._check_collection(client, manifest, kb)
            if cached:
                store, sparse = read_parts(folder, manifest)
            else:
                store = ChunkStore(read_chunks(client, manifest))
                sparse = SparseIndex.build([c.index_text for c in store.chunks])
                _cache(folder, manifest, store, sparse)
        dense = MilvusVectors(client, self.uri, manifest, store, self.index_type)
        return Index(folder, manifest, store, dense, sparse)

    def _check_collection(self, client, manifest: Manifest, kb: str) -> None:
        if not client.has_collection(manifest.collection):
            raise RagIndexError(
                f"collection {manifest.collection} of {kb} is missing from Milvus at {self.uri}: "
                "run `rag index --rebuild` to index the documents again"
            )
        dim = vector_dim(client, loaded(client, manifest.collection))
        if dim != manifest.dim:
            raise RagIndexError(
                f"collection {manifest.collection} in Milvus at {self.uri} holds {dim}-dimensional "
                f"vectors, its manifest says {manifest.dim}: run `rag index --rebuild`"
            )

    # --- publishing -----------------------------------------------------------------------------
    def publish(self, folder: Path, manifest: Manifest, chunks: Sequence[Chunk], vectors_for: VectorsFor) -> None:
        kb, client = collection_name(folder, self.config), self._client()
        with milvus_errors(self.uri, f"update {kb}"):
            manifests = Manifests(client, self.uri)
            before = manifest.revision - 1  # what the build started from
            self._check_unchanged(manifests, kb, before)
            previous = manifests.load(kb, before) if before else None
            unfinished = bool(previous) and not manifests.cleaned(kb)
            target = loaded(client, self._target(client, kb, manifest, previous))
            revision = manifest.revision
            client.delete(target, filter=f"revision > {before}")  # rows of a build that died before its flip
            fresh = [c for c in chunks if _entry_revision(manifest, c.doc) == revision]
            try:
                write_rows(client, target, fresh, vectors_for(fresh), revision, _positions(chunks))
            except BaseException:
                _undo(client, target, revision, created=previous is None or target != previous.collection)
                raise
            client.flush(target)  # sealed into indexed segments: Milvus Lite searches its memtable ~10x slower
            touched = _touched(previous, manifest, unfinished)
            manifest = dataclasses.replace(manifest, collection=target, touched=touched)
            manifests.write(kb, manifest)
            self._check_unchanged(manifests, kb, before)
            manifests.publish(kb, revision)  # the commit point
            self._clean(client, manifests, kb, manifest, previous)
        _cache(folder, manifest, ChunkStore(chunks), SparseIndex.build([c.index_text for c in chunks]))

    def _check_unchanged(self, manifests: Manifests, kb: str, before: int) -> None:
        """One writer per knowledge base: a build that another one overtook gives way."""
        now = manifests.revision(kb)
        if now != before:
            raise RagIndexError(
                f"{kb} in Milvus at {self.uri} was updated by another build while this one ran "
                f"(revision {now}, this build started from {before}): run `rag index` again"
            )

    def _target(self, client, kb: str, manifest: Manifest, previous: Manifest | None) -> str:
        """The collection to write into: the live one when its vectors fit, else a new one (a
        rebuild with another model), so the live one stays searchable until the flip."""
        if previous is not None and previous.dim == manifest.dim and client.has_collection(previous.collection):
            return previous.collection
        target = kb if previous is None or previous.collection != kb else f"{kb}_r{manifest.revision}"
        if client.has_collection(target):
            dim = vector_dim(client, target, ours=True, uri=self.uri)
            if previous is None and dim == manifest.dim:
                return target  # ours, left by a first build that died: its rows are cleaned below
            client.drop_collection(target)  # ours and unpublished: nothing searches it
        create_collection(client, target, manifest.dim, self.index_type)
        return target

    def _clean(self, client, manifests: Manifests, kb: str, manifest: Manifest, previous: Manifest | None) -> None:
        if previous is not None and previous.collection != manifest.collection:
            client.drop_collection(previous.collection)
        else:
            for expression in _stale(manifest):
                client.delete(manifest.collection, filter=expression)
            client.flush(manifest.collection)
        manifests.forget_others(kb, manifest.revision)
        manifests.publish(kb, manifest.revision, CLEANED)


def _entry_revision(manifest: Manifest, doc: str) -> int:
    return next(d.revision for d in manifest.documents if d.doc == doc)


def _positions(chunks: Sequence[Chunk]) -> dict[str, int]:
    """Each chunk's place within its document, so a replica restores the store's row order."""
    seen: dict[str, int] = {}
    out = {}
    for chunk in chunks:
        out[chunk.id] = seen.get(chunk.doc, 0)
        seen[chunk.doc] = out[chunk.id] + 1
    return out


def _touched(previous: Manifest | None, manifest: Manifest, unfinished: bool) -> tuple[str, ...]:
    """Documents whose older rows are now stale: changed or removed here, or left to clean by the
    previous build when it died after its flip."""
    if previous is None:
        return ()
    now = {d.doc: d.revision for d in manifest.documents}
    changed = {d.doc for d in previous.documents if now.get(d.doc) != d.revision}
    return tuple(sorted(changed | (set(previous.touched) if unfinished else set())))


def _stale(manifest: Manifest) -> list[str]:
    """Delete expressions for every row of a touched document that the manifest does not list."""
    from rag.index.milvus_meta import quote

    live = {d.doc: d.revision for d in manifest.documents}
    groups: dict[int | None, list[str]] = {}
    for doc in manifest.touched:
        groups.setdefault(live.get(doc), []).append(doc)
    out = []
    for revision, docs in sorted(groups.items(), key=lambda g: -1 if g[0] is None else g[0]):
        for i in range(0, len(docs), DELETE_BATCH):
            names = "[" + ", ".join(quote(d) for d in docs[i : i + DELETE_BATCH]) + "]"
            out.append(f"doc in {names}" + ("" if revision is None else f" and revision != {revision}"))
    return out


def _undo(client, collection: str, revision: int, created: bool) -> None:
    """A build that failed midway removes what it wrote, when Milvus still answers."""
    try:
        if created:
            client.drop_collection(collection)
        else:
            client.delete(collection, filter=f"revision == {revision}")
    except Exception:  # noqa: BLE001 - unreachable now: the next build deletes these rows first
        pass


def _cached(folder: Path, revision: int) -> Manifest | None:
    """The local copy of this revision's manifest, when the folder caches it."""
    try:
        manifest = Manifest.load(folder) if (folder / MANIFEST_FILE).is_file() else None
    except RagIndexError:
        return None
    if manifest is None or manifest.vector_store != "milvus" or manifest.revision != revision:
        return None
    return manifest


def _cache(folder: Path, manifest: Manifest, store: ChunkStore, sparse: SparseIndex) -> None:
    """Keep this revision's chunk texts and BM25 side in the folder (a cache: Milvus is the record)."""
    try:
        with atomic.staging(folder) as staged:
            store.save(staged)
            sparse.save(staged)
            manifest.save(staged)
    except OSError:
        pass  # a read-only replica rebuilds BM25 from Milvus on every start
