"""Manifests kept in Milvus itself, so every replica reads the same one: the collection
`rag_manifests` holds, per knowledge base, the manifest JSON of each revision in pieces and one
`current` row naming the published revision. Upserting that one row is the commit point of a
build (rag.index.milvus_store)."""

from __future__ import annotations

import json

from rag.index.manifest import Manifest
from rag.index.milvus_client import loaded

MANIFESTS = "rag_manifests"
PIECE_CHARS = 20_000  # of JSON per row: at most 3 UTF-8 bytes each stays under VARCHAR's 65,535
CURRENT = -1  # `part` of the row naming the published revision
PENDING, CLEANED = "pending", "cleaned"  # its text: are the rows that revision replaced deleted yet?


class Manifests:
    def __init__(self, client, uri: str):
        self.client = client
        self.uri = uri

    def _ensure(self) -> None:
        from pymilvus import DataType, MilvusClient

        if self.client.has_collection(MANIFESTS):
            return
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=512)
        schema.add_field("kb", DataType.VARCHAR, max_length=256)
        schema.add_field("revision", DataType.INT64)
        schema.add_field("part", DataType.INT64)
        schema.add_field("text", DataType.VARCHAR, max_length=65_535)
        schema.add_field("placeholder", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector in every collection
        index = self.client.prepare_index_params()
        index.add_index(field_name="placeholder", index_type="FLAT", metric_type="L2")
        self.client.create_collection(MANIFESTS, schema=schema, index_params=index, consistency_level="Strong")

    def revision(self, kb: str) -> int:
        return self._current(kb)[0]

    def cleaned(self, kb: str) -> bool:
        """Whether the published build finished deleting the rows it replaced."""
        return self._current(kb)[1] == CLEANED

    def _current(self, kb: str) -> tuple[int, str]:
        if not self.client.has_collection(MANIFESTS):
            return 0, ""
        rows = self.client.get(
            loaded(self.client, MANIFESTS), ids=[f"{kb}/current"], output_fields=["revision", "text"]
        )
        return (int(rows[0]["revision"]), rows[0]["text"]) if rows else (0, "")

    def load(self, kb: str, revision: int) -> Manifest:
        where = f"kb == {quote(kb)} and revision == {revision} and part >= 0"
        rows = self.client.query(
            loaded(self.client, MANIFESTS), filter=where, output_fields=["part", "text"], limit=16_384
        )
        text = "".join(r["text"] for r in sorted(rows, key=lambda r: r["part"]))
        return Manifest.from_text(text, f"the manifest of {kb} (revision {revision}) in Milvus at {self.uri}")

    def write(self, kb: str, manifest: Manifest) -> None:
        """Store a revision's manifest; not yet published."""
        self._ensure()
        text = manifest.to_text()
        pieces = [text[i : i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)]
        self.client.upsert(
            MANIFESTS,
            [
                self._row(f"{kb}/r{manifest.revision}/{i}", kb, manifest.revision, i, piece)
                for i, piece in enumerate(pieces)
            ],
        )

    def publish(self, kb: str, revision: int, state: str = PENDING) -> None:
        """Name `revision` as the published one (a single-row write: the commit point of a build);
        `state` says whether its replaced rows are deleted yet."""
        self.client.upsert(MANIFESTS, [self._row(f"{kb}/current", kb, revision, CURRENT, state)])

    def forget_others(self, kb: str, revision: int) -> None:
        """Drop the pieces of every revision but the published one."""
        self.client.delete(MANIFESTS, filter=f"kb == {quote(kb)} and part >= 0 and revision != {revision}")

    def forget(self, kb: str) -> None:
        """Drop every row of this knowledge base, the `current` one included."""
        if self.client.has_collection(MANIFESTS):
            self.client.delete(loaded(self.client, MANIFESTS), filter=f"kb == {quote(kb)}")

    @staticmethod
    def _row(key: str, kb: str, revision: int, part: int, text: str) -> dict:
        return {"key": key, "kb": kb, "revision": revision, "part": part, "text": text, "placeholder": [0.0, 0.0]}


def quote(value: str) -> str:
    """A string literal for a Milvus filter expression."""
    return json.dumps(value, ensure_ascii=False)
