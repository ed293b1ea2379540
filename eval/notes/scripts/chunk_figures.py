"""Per-chunk figures of an index, for sizing a deployment (README, "Sizing 10 million chunks").

    python eval/notes/scripts/chunk_figures.py INDEX_DIR

Prints the chunk count, the e5 tokens per chunk (what embedding time scales with), the UTF-8
bytes of the text fields a Milvus row holds, the bytes of one vector, and the BM25 side's
weights and bytes per chunk."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from rag.config import load_config
from rag.index.manifest import Manifest
from rag.index.sparse import SparseIndex
from rag.index.store import ChunkStore


def main() -> int:
    folder = Path(sys.argv[1])
    from tokenizers import Tokenizer

    from rag.models.registry import resolve_model

    chunks = ChunkStore.load(folder).chunks
    manifest = Manifest.load(folder)
    tokenizer = Tokenizer.from_file(str(Path(resolve_model(load_config().embed_model, load_config())) / "tokenizer.json"))
    tokens = [len(tokenizer.encode("passage: " + c.index_text).ids) for c in chunks]
    fields = [sum(len(v.encode("utf-8")) for v in (c.id, c.doc, c.title, c.section, c.text, c.index_text)) + 40
              for c in chunks]  # + the five INT64 fields and the key's revision
    sparse = SparseIndex.load(folder, len(chunks))
    s = sparse.bm25.scores
    weights = len(s["data"])
    score_bytes = s["data"].nbytes + s["indices"].nbytes + s["indptr"].nbytes
    vocab_bytes = sum(len(t.encode("utf-8")) + 60 for t in sparse.bm25.vocab_dict)  # + a dict entry's overhead
    print(f"{len(chunks)} chunks, {manifest.dim}-dim vectors ({manifest.dim * 4} bytes each)")
    print(f"e5 tokens per chunk: mean {np.mean(tokens):.0f}, p95 {np.percentile(tokens, 95):.0f}, "
          f"max {max(tokens)}")
    print(f"Milvus row text fields: mean {np.mean(fields):.0f} bytes")
    print(f"BM25: {weights / len(chunks):.0f} weights per chunk, {score_bytes / len(chunks):.0f} bytes per chunk "
          f"of score arrays; vocabulary {len(sparse.bm25.vocab_dict)} terms (~{vocab_bytes / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
