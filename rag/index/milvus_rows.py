"""The chunk rows of a Milvus collection: its schema, writing rows, reading the live ones back in
store order, and dense search over them (rag.index.milvus_store publishes and opens them)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from rag.errors import RagIndexError
from rag.index.manifest import Manifest
from rag.index.milvus_meta import quote
from rag.index.ranked import Ranked
from rag.index.store import ChunkStore
from rag.types import Chunk

TEXT_FIELDS = ("chunk_id", "doc", "title", "section", "text", "index_text")
INT_FIELDS = ("start", "end", "revision", "position")
OUR_FIELDS = {"pk", *TEXT_FIELDS, *INT_FIELDS, "vector"}
MAX_LIMIT = 16_384  # Milvus' largest search limit
INSERT_BATCH = 256
READ_BATCH = 1_000
HNSW = {"M": 32, "efConstruction": 200}  # as the FAISS side (rag.index.faiss_store)
HNSW_EF = 128


def pk(chunk_id: str, revision: int) -> str:
    return f"{chunk_id}:{revision}"


def create_collection(client, name: str, dim: int, index_type: str) -> None:
    from pymilvus import DataType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=128)
    for field in TEXT_FIELDS:
        schema.add_field(field, DataType.VARCHAR, max_length=65_535)
    for field in INT_FIELDS:
        schema.add_field(field, DataType.INT64)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    index = client.prepare_index_params()
    index.add_index(
        field_name="vector", index_type=index_type, metric_type="IP", params=HNSW if index_type == "HNSW" else {}
    )
    client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")


def vector_dim(client, name: str, ours: bool = False, uri: str = "") -> int:
    """The dimension of a collection's vectors; with `ours`, refuse a collection rag did not make."""
    fields = client.describe_collection(name)["fields"]
    if ours and {f["name"] for f in fields} != OUR_FIELDS:
        raise RagIndexError(
            f"collection {name} in Milvus at {uri} was not made by rag: set milvus_collection to another name"
        )
    return next(int(f["params"]["dim"]) for f in fields if f["name"] == "vector")


def write_rows(
    client, collection: str, chunks: Sequence[Chunk], vectors: np.ndarray, revision: int, place: dict[str, int]
) -> None:
    """Insert chunks with their vectors; `place` gives each chunk id's position in its document."""
    for start in range(0, len(chunks), INSERT_BATCH):
        batch = chunks[start : start + INSERT_BATCH]
        client.insert(
            collection, [_row(c, vectors[start + i], revision, place.get(c.id, 0)) for i, c in enumerate(batch)]
        )


def _row(chunk: Chunk, vector: np.ndarray, revision: int, position: int) -> dict:
    return {
        "pk": pk(chunk.id, revision),
        "chunk_id": chunk.id,
        "doc": chunk.doc,
        "title": chunk.title,
        "section": chunk.section,
        "text": chunk.text,
        "index_text": chunk.index_text,
        "start": chunk.start,
        "end": chunk.end,
        "revision": revision,
        "position": position,
        "vector": vector.tolist(),
    }


def live_keys(manifest: Manifest, store: ChunkStore) -> list[str]:
    """The primary key of each store row."""
    revision = {d.doc: d.revision for d in manifest.documents}
    return [pk(c.id, revision[c.doc]) for c in store.chunks]


def read_chunks(client, manifest: Manifest) -> list[Chunk]:
    """The manifest's chunks as the collection holds them, in store order (document, position)."""
    live = {(d.doc, d.revision) for d in manifest.documents}
    fields = [*TEXT_FIELDS, "start", "end", "revision", "position"]
    rows = []
    from rag.index.milvus_client import loaded

    iterator = client.query_iterator(
        loaded(client, manifest.collection),
        batch_size=READ_BATCH,
        filter=f"revision <= {manifest.revision}",
        output_fields=fields,
    )
    while batch := iterator.next():
        rows += [r for r in batch if (r["doc"], r["revision"]) in live]
    iterator.close()
    rows.sort(key=lambda r: (r["doc"], r["position"]))
    return [
        Chunk(
            id=r["chunk_id"],
            doc=r["doc"],
            title=r["title"],
            section=r["section"],
            start=r["start"],
            end=r["end"],
            text=r["text"],
            index_text=r["index_text"],
        )
        for r in rows
    ]


class MilvusVectors:
    """The dense side of a loaded index, searched in Milvus; rows are the chunk store's."""

    def __init__(self, client, uri: str, manifest: Manifest, store: ChunkStore, index_type: str):
        self.client = client
        self.uri = uri
        self.collection = manifest.collection
        self.revision = manifest.revision
        self.dim = manifest.dim
        self.store = store
        self.kind = f"milvus-{index_type}"
        self.keys = live_keys(manifest, store)
        self.row_of = {key: row for row, key in enumerate(self.keys)}

    def __len__(self) -> int:
        return len(self.store)

    def search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None) -> Ranked:
        from rag.index.milvus_client import milvus_errors

        depth = min(depth, len(self) if allowed is None else len(allowed))
        if depth <= 0:
            return Ranked.empty()
        where = f"revision <= {self.revision}"
        if allowed is not None:
            docs = sorted({self.store[int(r)].doc for r in allowed})
            where += " and doc in [" + ", ".join(quote(d) for d in docs) + "]"
        limit = min(MAX_LIMIT, depth + 16)
        with milvus_errors(self.uri, f"search {self.collection}"):
            while True:  # rows a build has not yet deleted are skipped; ask for more if they crowd the list
                hits = self._search(query, limit, where)
                rows = [(self.row_of[h["pk"]], h["distance"]) for h in hits if h["pk"] in self.row_of]
                if len(rows) >= depth or len(hits) < limit or limit == MAX_LIMIT:
                    break
                limit = min(MAX_LIMIT, limit * 4)
        rows = rows[:depth]
        return Ranked(np.array([r for r, _ in rows], np.int64), np.array([s for _, s in rows], np.float32))

    def _search(self, query: np.ndarray, limit: int, where: str) -> list[dict]:
        params = {"metric_type": "IP", "params": {"ef": max(HNSW_EF, limit)} if self.kind.endswith("HNSW") else {}}
        vector = np.asarray(query, np.float32).tolist()
        result = self.client.search(
            self.collection,
            data=[vector],
            limit=limit,
            filter=where,
            output_fields=[],
            search_params=params,
            anns_field="vector",
        )
        return [{"pk": h["pk"] if "pk" in h else h["id"], "distance": h["distance"]} for h in result[0]]

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        from rag.index.milvus_client import milvus_errors

        keys = [self.keys[int(r)] for r in rows]
        found: dict[str, list[float]] = {}
        with milvus_errors(self.uri, f"read vectors from {self.collection}"):
            for start in range(0, len(keys), READ_BATCH):
                for row in self.client.get(
                    self.collection, ids=keys[start : start + READ_BATCH], output_fields=["vector"]
                ):
                    found[row["pk"]] = row["vector"]
        return np.array([found[k] for k in keys], np.float32).reshape(len(keys), self.dim)
