"""Measure the two ways of keeping BM25 beside a Milvus vector store (README, "Milvus").

    python eval/notes/scripts/bm25_in_milvus.py INDEX_DIR GOLD.jsonl [--limit N]

(a) bm25s in each replica, built from the chunk texts (what rag does): build time and memory;
(b) our BM25 weights stored as sparse vectors in Milvus (Milvus Lite here, inner product), the
    query a vector of term counts: does it rank as bm25s does, at what speed; and how many stored
    weights one added document changes (BM25 weights hang on N, document frequencies and the
    average length, so an update rewrites them)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.index.sparse import SparseIndex, bm25_terms
from rag.index.store import ChunkStore

DEPTH = 50


def sparse_rows(sparse: SparseIndex) -> list[dict[int, float]]:
    """bm25s keeps each (term, chunk) BM25 weight; regroup them by chunk."""
    s = sparse.bm25.scores
    rows: list[dict[int, float]] = [{} for _ in range(s["num_docs"])]
    for token in range(len(s["indptr"]) - 1):
        for k in range(s["indptr"][token], s["indptr"][token + 1]):
            rows[s["indices"][k]][token] = float(s["data"][k])
    return rows


def query_vector(sparse: SparseIndex, text: str) -> dict[int, float]:
    counts: dict[int, float] = {}
    for token in sparse.bm25.get_tokens_ids(bm25_terms(text)):
        counts[token] = counts.get(token, 0.0) + 1.0  # bm25s adds a repeated query term twice
    return counts


def same_ranking(a, b, tol: float = 1e-4) -> bool:
    """The same rows at each rank, but for rows whose scores differ by float32 summation noise."""
    if len(a) != len(b) or not np.allclose([x for _, x in a], [x for _, x in b], atol=tol):
        return False
    score_a = dict(a)
    return all(ra == rb or abs(score_a.get(rb, -1.0) - sb) <= tol or abs(sa - sb) <= tol and rb not in score_a
               for (ra, sa), (rb, sb) in zip(a, b))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("index_dir")
    ap.add_argument("gold")
    ap.add_argument("--limit", type=int, default=500)
    args = ap.parse_args()
    from pymilvus import DataType, MilvusClient

    chunks = ChunkStore.load(Path(args.index_dir)).chunks
    texts = [c.index_text for c in chunks]
    bm25_terms("预热")  # load jieba's dictionary before timing
    started = time.perf_counter()
    for text in texts:
        bm25_terms(text)
    terms_s = time.perf_counter() - started
    started = time.perf_counter()
    sparse = SparseIndex.build(texts)
    build_s = time.perf_counter() - started
    s = sparse.bm25.scores
    nbytes = s["data"].nbytes + s["indices"].nbytes + s["indptr"].nbytes
    print(f"{len(chunks)} chunks: bm25s build {build_s:.2f} s ({len(chunks) / build_s:.0f} chunks/s; cutting the "
          f"terms alone {terms_s:.2f} s), {len(s['data']) / len(chunks):.0f} weights and {nbytes / len(chunks):.0f} "
          f"bytes of score arrays per chunk, vocabulary {len(sparse.bm25.vocab_dict)} terms")

    rows = sparse_rows(sparse)
    client = MilvusClient(str(Path(tempfile.mkdtemp()) / "bm25.db"))
    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("row", DataType.INT64, is_primary=True)
    schema.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
    index = client.prepare_index_params()
    index.add_index(field_name="bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    client.create_collection("bm25", schema=schema, index_params=index)
    started = time.perf_counter()
    for i in range(0, len(rows), 500):
        client.insert("bm25", [{"row": j, "bm25": rows[j]} for j in range(i, min(i + 500, len(rows)))])
    print(f"Milvus Lite sparse insert {time.perf_counter() - started:.1f} s")

    questions = [json.loads(line)["question"] for line in open(args.gold, encoding="utf-8") if line.strip()]
    questions = questions[:args.limit]
    same, ours_ms, milvus_ms = 0, [], []
    for q in questions:
        t = time.perf_counter()
        ours = sparse.search(q, DEPTH)
        ours_ms.append((time.perf_counter() - t) * 1000)
        vector = query_vector(sparse, q)
        t = time.perf_counter()
        hits = client.search("bm25", data=[vector], anns_field="bm25", limit=DEPTH,
                             search_params={"metric_type": "IP"})[0] if vector else []
        milvus_ms.append((time.perf_counter() - t) * 1000)
        same += same_ranking(list(zip(ours.rows.tolist(), ours.scores.tolist())),
                             [(h["row"], h["distance"]) for h in hits])
    print(f"{len(questions)} questions: top-{DEPTH} the same as bm25s for {same} ({same / len(questions):.3f}); "
          f"p50 bm25s {np.median(ours_ms):.2f} ms, Milvus Lite sparse {np.median(milvus_ms):.2f} ms")

    smaller = SparseIndex.build(texts[:-1])  # the collection before its last chunk arrived
    term_now = {i: t for t, i in sparse.bm25.vocab_dict.items()}
    term_before = {i: t for t, i in smaller.bm25.vocab_dict.items()}
    changed = total = 0
    for before, after in zip(sparse_rows(smaller), rows[:-1]):
        named = {term_before[i]: w for i, w in before.items()}  # token ids differ between the two builds
        for token, weight in after.items():
            total += 1
            changed += not np.isclose(named.get(term_now[token], 0.0), weight, rtol=1e-6)
    print(f"adding one chunk changes {changed} of {total} stored weights ({changed / total:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
