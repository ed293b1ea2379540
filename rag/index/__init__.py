"""The index of a document collection: one folder holding

    manifest.json   what it was built from and with (see manifest.py)
    chunks.jsonl    the chunk store, row i = vector i = BM25 document i
    dense.faiss     FAISS inner-product index of the chunk embeddings (vector_store = "faiss")
    sparse/         bm25s index over the jieba tokens

With vector_store = "milvus" the vectors, chunks and manifest live in one Milvus collection per
knowledge base (milvus_store.py) and the folder is a cache of the current revision's chunk texts
and BM25 side. vectors.py holds the protocol and the factory.

Build or update with `update_index`, open with `load_index`.

This package imports config, errors, types, text (the tokenizer), models.embedder (the embedding
model's name) and, when building, ingest (files -> chunks); never retrieval, answer or a shell.
"""

from rag.index.build import IndexReport, remove_documents, update_documents, update_index
from rag.index.loaded import Index
from rag.index.vectors import load_index

__all__ = ["Index", "IndexReport", "load_index", "remove_documents", "update_documents", "update_index"]
